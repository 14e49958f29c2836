#include "crowd_png.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

/* Shared state for the libpng callbacks: where to jump, what went wrong, the input. */
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int truncated;
    char message[256];
} crowd_png_state;

static void crowd_png_error(png_structp png, png_const_charp message) {
    crowd_png_state *state = (crowd_png_state *)png_get_error_ptr(png);
    if (state && state->message[0] == 0) snprintf(state->message, sizeof(state->message), "%s", message);
    png_longjmp(png, 1);
}

static void crowd_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message; /* warnings (ancillary chunk problems) are silent, as in Pillow */
}

static void crowd_png_read(png_structp png, png_bytep out, png_size_t length) {
    crowd_png_state *state = (crowd_png_state *)png_get_io_ptr(png);
    if (length > state->size - state->offset) {
        state->truncated = 1;
        png_error(png, "truncated PNG data (premature end of file)");
    }
    memcpy(out, state->data + state->offset, length);
    state->offset += length;
}

static void set_error(char *error, size_t error_size, const char *message) {
    if (error && error_size > 0) snprintf(error, error_size, "%s", message);
}

int crowd_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                     crowd_png_image *out, char *error, size_t error_size) {
    crowd_png_state state;
    png_structp png = NULL;
    png_infop info = NULL;
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int code = 1;

    memset(out, 0, sizeof(*out));
    memset(&state, 0, sizeof(state));
    state.data = data;
    state.size = size;

    if (size < 8) {
        set_error(error, error_size, size == 0 ? "empty data" : "truncated PNG data (shorter than the signature)");
        return size == 0 ? 2 : 2;
    }
    if (png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_error(error, error_size, "not a PNG file (wrong signature)");
        return 4;
    }

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, crowd_png_error, crowd_png_warning);
    if (!png) { set_error(error, error_size, "out of memory"); return 5; }
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_error(error, error_size, "out of memory");
        return 5;
    }

    if (setjmp(png_jmpbuf(png))) {
        if (code == 1) {
            if (state.truncated) code = 2;
            set_error(error, error_size, state.message[0] ? state.message : "corrupt PNG data");
        }
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        free(pixels);
        return code;
    }

    png_set_read_fn(png, &state, crowd_png_read);
    /* A bad CRC is an error for every chunk, critical or ancillary. */
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    /* No size limit of libpng's own below ours; our pixel limit is checked next. */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    uint64_t npix = (uint64_t)width * (uint64_t)height;
    if (width == 0 || height == 0 || npix > max_pixels) {
        code = 3;
        if (error && error_size > 0)
            snprintf(error, error_size, "image is %ux%u pixels, above the limit of %llu pixels",
                     (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        png_longjmp(png, 1);
    }

    if (bit_depth < 8) png_set_packing(png);
    /* Memory: the caller keeps only the RGB of Pillow's convert("RGB"), so alpha is dropped and 16-bit samples
     * are cut to their high byte here (what that conversion keeps) instead of holding 8 bytes per pixel. 16-bit
     * grey stays 16-bit: Pillow clips it ("I;16" to RGB), which needs the whole sample. */
    if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (bit_depth == 16 && color_type != PNG_COLOR_TYPE_GRAY) png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t row_bytes = png_get_rowbytes(png, info);
    int channels = png_get_channels(png, info);
    if (row_bytes == 0 || row_bytes > ((size_t)-1) / height) {
        code = 3;
        set_error(error, error_size, "image rows too large");
        png_longjmp(png, 1);
    }
    pixels = (uint8_t *)malloc(row_bytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        code = 5;
        set_error(error, error_size, "out of memory");
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    /* Reads the chunks after the image data up to IEND, checking their CRCs. */
    png_read_end(png, NULL);

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_colorp palette = NULL;
        int count = 0;
        if (png_get_PLTE(png, info, &palette, &count) == PNG_INFO_PLTE && palette) {
            if (count > 256) count = 256;
            for (int i = 0; i < count; i++) {
                out->palette[i * 3 + 0] = palette[i].red;
                out->palette[i * 3 + 1] = palette[i].green;
                out->palette[i * 3 + 2] = palette[i].blue;
            }
            out->palette_size = count;
        }
    }

    out->width = (int)width;
    out->height = (int)height;
    out->color_type = color_type;
    /* Sub-byte depths as in the file (the caller scales grey); 8 where 16-bit samples were cut above. */
    out->bit_depth = bit_depth < 8 ? bit_depth : png_get_bit_depth(png, info);
    out->channels = channels;
    out->row_bytes = row_bytes;
    out->pixels = pixels;
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/* Growing output buffer for the PNG writer. */
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
    char message[256];
} crowd_png_sink;

static void crowd_png_write(png_structp png, png_bytep bytes, png_size_t length) {
    crowd_png_sink *sink = (crowd_png_sink *)png_get_io_ptr(png);
    if (sink->size + length > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (capacity < sink->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(sink->data, capacity);
        if (!grown) {
            sink->failed = 1;
            png_error(png, "out of memory");
        }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, bytes, length);
    sink->size += length;
}

static void crowd_png_flush(png_structp png) { (void)png; }

static void crowd_png_write_error(png_structp png, png_const_charp message) {
    crowd_png_sink *sink = (crowd_png_sink *)png_get_error_ptr(png);
    if (sink && sink->message[0] == 0) snprintf(sink->message, sizeof(sink->message), "%s", message);
    png_longjmp(png, 1);
}

int crowd_png_encode_rgb(const uint8_t *pixels, int width, int height,
                         uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    crowd_png_sink sink;
    png_structp png = NULL;
    png_infop info = NULL;
    png_bytep *volatile rows = NULL;

    *out = NULL;
    *out_size = 0;
    memset(&sink, 0, sizeof(sink));
    if (width <= 0 || height <= 0) {
        set_error(error, error_size, "cannot encode an empty image");
        return 1;
    }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, crowd_png_write_error, crowd_png_warning);
    if (!png) { set_error(error, error_size, "out of memory"); return 5; }
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        set_error(error, error_size, "out of memory");
        return 5;
    }
    if (setjmp(png_jmpbuf(png))) {
        set_error(error, error_size, sink.message[0] ? sink.message : "PNG encoding failed");
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(sink.data);
        return 1;
    }
    png_set_write_fn(png, &sink, crowd_png_write, crowd_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * (size_t)width * 3);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *out = sink.data;
    *out_size = sink.size;
    return 0;
}
