#include "crowd_codecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

struct crowd_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *msg;
    size_t msglen;
};

static void on_error(j_common_ptr cinfo) {
    struct crowd_jpeg_error *e = (struct crowd_jpeg_error *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    snprintf(e->msg, e->msglen, "%s", buffer);
    longjmp(e->jump, 1);
}

/* Warnings (e.g. "premature end of data") are not fatal: Pillow also returns what was decoded,
 * but a truncated file must be reported, so the first corrupt-data warning is turned into an error. */
static void on_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->num_warnings++ == 0) on_error(cinfo);
}

static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, int n, int inverted) {
    /* Pillow: CMYK;I unpacking for Adobe files, then cmyk2rgb: out = nk - c*nk/255 with nk = 255 - k. */
    for (int x = 0; x < n; x++) {
        int c = in[4 * x], m = in[4 * x + 1], y = in[4 * x + 2], k = in[4 * x + 3];
        if (inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        int nk = 255 - k, t;
        t = c * nk + 128; out[3 * x] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        t = m * nk + 128; out[3 * x + 1] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        t = y * nk + 128; out[3 * x + 2] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
    }
}

int crowd_jpeg_decode(const uint8_t *data, size_t size, long long max_pixels,
                      uint8_t **out, int *width, int *height, char *err, size_t errlen) {
    struct jpeg_decompress_struct cinfo;
    struct crowd_jpeg_error jerr;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;
    *out = NULL;
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = on_error;
    jerr.pub.emit_message = on_message;
    jerr.msg = err;
    jerr.msglen = errlen;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    long long pixels_count = (long long)cinfo.image_width * cinfo.image_height;
    if (pixels_count > max_pixels) {
        snprintf(err, errlen, "image is %ux%u, above the limit of %lld pixels", cinfo.image_width, cinfo.image_height, max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return -2;
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int inverted = cmyk && cinfo.saw_Adobe_marker;
    if (cmyk) cinfo.out_color_space = JCS_CMYK;
    else if (cinfo.jpeg_color_space == JCS_GRAYSCALE) cinfo.out_color_space = JCS_GRAYSCALE;
    else cinfo.out_color_space = JCS_RGB;
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height, comps = cinfo.output_components;
    pixels = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * comps);
    if (!pixels || !row) {
        snprintf(err, errlen, "out of memory for a %dx%d image", w, h);
        jpeg_destroy_decompress(&cinfo);
        free(pixels); free(row);
        return -3;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        int y = (int)cinfo.output_scanline;
        JSAMPROW rows[1] = { row };
        jpeg_read_scanlines(&cinfo, rows, 1);
        uint8_t *dst = pixels + (size_t)y * w * 3;
        if (comps == 3) memcpy(dst, row, (size_t)w * 3);
        else if (comps == 1) for (int x = 0; x < w; x++) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = row[x];
        else cmyk_to_rgb(row, dst, w, inverted);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    *out = pixels;
    *width = w;
    *height = h;
    return 0;
}

void crowd_free(void *p) { free(p); }
