#include "crowd_codecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

struct reader { const uint8_t *data; size_t size, pos; };
struct failure { char *msg; size_t len; };

static void on_error(png_structp png, png_const_charp message) {
    struct failure *f = png_get_error_ptr(png);
    snprintf(f->msg, f->len, "%s", message);
    png_longjmp(png, 1);
}
static void on_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

static void read_memory(png_structp png, png_bytep out, png_size_t n) {
    struct reader *r = png_get_io_ptr(png);
    if (n > r->size - r->pos) png_error(png, "file ends before the image data does (truncated)");
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
}

int crowd_png_decode(const uint8_t *data, size_t size, long long max_pixels,
                     uint8_t **out, int *width, int *height, char *err, size_t errlen) {
    *out = NULL;
    if (size < 8 || png_sig_cmp(data, 0, 8)) { snprintf(err, errlen, "not a PNG signature"); return -1; }
    /* Refuse absurd sizes from the IHDR itself, before libpng reads any further. */
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        unsigned long long w0 = ((unsigned)data[16] << 24) | (data[17] << 16) | (data[18] << 8) | data[19];
        unsigned long long h0 = ((unsigned)data[20] << 24) | (data[21] << 16) | (data[22] << 8) | data[23];
        if ((long long)(w0 * h0) > max_pixels) {
            snprintf(err, errlen, "image is %llux%llu, above the limit of %lld pixels", w0, h0, max_pixels);
            return -2;
        }
    }
    struct failure fail = { err, errlen };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &fail, on_error, on_warning);
    if (!png) { snprintf(err, errlen, "libpng could not start"); return -1; }
    png_infop info = png_create_info_struct(png);
    struct reader r = { data, size, 0 };
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    uint8_t *volatile raw = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels); free(rows); free(raw);
        return -1;
    }
    png_set_read_fn(png, &r, read_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((long long)w * h > max_pixels) {
        snprintf(err, errlen, "image is %ux%u, above the limit of %lld pixels", w, h, max_pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return -2;
    }
    int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    /* Pillow keeps 16-bit greys as I;16 and clips them to 255 when converting to RGB; other 16-bit
     * images keep their high byte. */
    int grey16 = depth == 16 && (type == PNG_COLOR_TYPE_GRAY);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16 && !grey16) png_set_strip_16(png);
    if (grey16) png_set_swap(png);  /* little-endian 16-bit values for the clip below */
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    raw = malloc(rowbytes * h);
    rows = malloc(sizeof(png_bytep) * h);
    pixels = malloc((size_t)w * h * 3);
    if (!raw || !rows || !pixels) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = raw + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    for (png_uint_32 y = 0; y < h; y++) {
        const uint8_t *src = rows[y];
        uint8_t *dst = pixels + (size_t)y * w * 3;
        for (png_uint_32 x = 0; x < w; x++) {
            if (grey16) {
                unsigned v = src[2 * x] | (src[2 * x + 1] << 8);
                dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = (uint8_t)(v > 255 ? 255 : v);
            } else if (channels >= 3) {
                dst[3 * x] = src[channels * x]; dst[3 * x + 1] = src[channels * x + 1]; dst[3 * x + 2] = src[channels * x + 2];
            } else {
                dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[channels * x];
            }
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(raw); free(rows);
    *out = pixels; *width = (int)w; *height = (int)h;
    return 0;
}

struct writer { uint8_t *data; size_t size, cap; int failed; };

static void write_memory(png_structp png, png_bytep in, png_size_t n) {
    struct writer *w = png_get_io_ptr(png);
    if (w->size + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 65536;
        while (cap < w->size + n) cap *= 2;
        uint8_t *p = realloc(w->data, cap);
        if (!p) png_error(png, "out of memory");
        w->data = p; w->cap = cap;
    }
    memcpy(w->data + w->size, in, n);
    w->size += n;
}
static void flush_memory(png_structp png) { (void)png; }

int crowd_png_encode(const uint8_t *rgb, int width, int height,
                     uint8_t **out, size_t *out_size, char *err, size_t errlen) {
    struct failure fail = { err, errlen };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &fail, on_error, on_warning);
    if (!png) { snprintf(err, errlen, "libpng could not start"); return -1; }
    png_infop info = png_create_info_struct(png);
    struct writer w = { NULL, 0, 0, 0 };
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(w.data);
        return -1;
    }
    png_set_write_fn(png, &w, write_memory, flush_memory);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = w.data;
    *out_size = w.size;
    return 0;
}
