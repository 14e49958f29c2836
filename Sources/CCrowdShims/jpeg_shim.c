#include "crowd_jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* Error manager: error_exit longjmps back instead of exiting; warnings are counted and
 * a premature end of data is remembered (Pillow treats it as a truncated file). */
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int truncated;
} crowd_jpeg_error;

static void crowd_jpeg_error_exit(j_common_ptr cinfo) {
    crowd_jpeg_error *err = (crowd_jpeg_error *)cinfo->err;
    longjmp(err->jump, 1);
}

static void crowd_jpeg_emit_message(j_common_ptr cinfo, int level) {
    crowd_jpeg_error *err = (crowd_jpeg_error *)cinfo->err;
    if (level < 0) {
        err->base.num_warnings++;
        if (err->base.msg_code == JWRN_JPEG_EOF) err->truncated = 1;
    }
}

static void crowd_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void set_error(char *error, size_t error_size, const char *message) {
    if (error && error_size > 0) snprintf(error, error_size, "%s", message);
}

int crowd_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      crowd_jpeg_image *out, char *error, size_t error_size) {
    struct jpeg_decompress_struct cinfo;
    crowd_jpeg_error jerr;
    /* volatile: modified between setjmp and a possible longjmp */
    uint8_t *volatile pixels = NULL;
    volatile int code = 1;

    memset(out, 0, sizeof(*out));
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&jerr.base);
    jerr.base.error_exit = crowd_jpeg_error_exit;
    jerr.base.emit_message = crowd_jpeg_emit_message;
    jerr.base.output_message = crowd_jpeg_output_message;
    jerr.truncated = 0;

    if (setjmp(jerr.jump)) {
        char buffer[JMSG_LENGTH_MAX];
        if (code == 1) {
            jerr.base.format_message((j_common_ptr)&cinfo, buffer);
            set_error(error, error_size, buffer);
        }
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return code;
    }

    jpeg_create_decompress(&cinfo);
    if (size == 0) {
        code = 2;
        set_error(error, error_size, "empty data");
        longjmp(jerr.jump, 1);
    }
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (jerr.truncated) {
        code = 2;
        set_error(error, error_size, "truncated JPEG data (premature end of file in header)");
        longjmp(jerr.jump, 1);
    }

    uint64_t npix = (uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height;
    if (cinfo.image_width == 0 || cinfo.image_height == 0 || npix > max_pixels) {
        code = 3;
        if (error && error_size > 0)
            snprintf(error, error_size, "image is %ux%u pixels, above the limit of %llu pixels",
                     cinfo.image_width, cinfo.image_height, (unsigned long long)max_pixels);
        longjmp(jerr.jump, 1);
    }

    /* Output colour space as Pillow asks for it (by component count). */
    switch (cinfo.num_components) {
    case 1: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case 3: cinfo.out_color_space = JCS_RGB; break;
    case 4: cinfo.out_color_space = JCS_CMYK; break;
    default:
        code = 4;
        if (error && error_size > 0)
            snprintf(error, error_size, "cannot handle %d-component JPEG images", cinfo.num_components);
        longjmp(jerr.jump, 1);
    }

    jpeg_start_decompress(&cinfo);
    int components = cinfo.output_components;
    size_t row = (size_t)cinfo.output_width * (size_t)components;
    size_t total = row * (size_t)cinfo.output_height;
    pixels = (uint8_t *)malloc(total > 0 ? total : 1);
    if (!pixels) {
        code = 5;
        set_error(error, error_size, "out of memory");
        longjmp(jerr.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rowp = (JSAMPROW)(pixels + (size_t)cinfo.output_scanline * row);
        if (jpeg_read_scanlines(&cinfo, &rowp, 1) != 1) break;
        if (jerr.truncated) break;
    }
    if (jerr.truncated || cinfo.output_scanline < cinfo.output_height) {
        code = 2;
        set_error(error, error_size, "truncated JPEG data (premature end of file)");
        longjmp(jerr.jump, 1);
    }
    /* Progressive files finish their last scans here; a missing EOI marker is tolerated
     * as libjpeg does (it inserts one with a warning), but not missing scan data. */
    jpeg_finish_decompress(&cinfo);

    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->components = components;
    out->progressive = cinfo.progressive_mode ? 1 : 0;
    out->pixels = pixels;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

void crowd_free(void *pointer) { free(pointer); }
