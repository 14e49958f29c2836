#ifndef CROWD_PNG_H
#define CROWD_PNG_H

#include <stddef.h>
#include <stdint.h>

/* PNG decoding and encoding in memory with libpng under a setjmp/longjmp error handler.
 * The decoder applies only packing (1/2/4-bit samples to one byte each, values unscaled)
 * and de-interlacing; colour conversion to RGB is left to the caller, which follows
 * Pillow's rules. */

typedef struct {
    int width;
    int height;
    int color_type;   /* PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
    int bit_depth;    /* 1, 2, 4 or 8 as in the file; 16 only for grey (other 16-bit samples arrive cut to 8) */
    int channels;     /* samples per pixel in `pixels` */
    size_t row_bytes; /* bytes per row in `pixels` (16-bit samples big-endian) */
    uint8_t *pixels;  /* height * row_bytes, malloc'ed; free with crowd_free */
    int palette_size; /* entries in `palette` (colour type 3) */
    uint8_t palette[256 * 3];
} crowd_png_image;

/* Returns 0 on success; nonzero with a message in `error` otherwise:
 * 1 = libpng error (bad CRC, corrupt data, ...), 2 = truncated, 3 = too many pixels,
 * 4 = not a PNG signature, 5 = out of memory. Nothing is allocated on failure. */
int crowd_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                     crowd_png_image *out, char *error, size_t error_size);

/* Encodes 8-bit interleaved RGB (width * height * 3 bytes) as a PNG in memory.
 * On success returns 0 and a malloc'ed buffer in *out (free with crowd_free). */
int crowd_png_encode_rgb(const uint8_t *pixels, int width, int height,
                         uint8_t **out, size_t *out_size, char *error, size_t error_size);

#endif
