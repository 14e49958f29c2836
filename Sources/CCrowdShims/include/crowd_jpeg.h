#ifndef CROWD_JPEG_H
#define CROWD_JPEG_H

#include <stddef.h>
#include <stdint.h>

/* JPEG decoding from memory with libjpeg under a setjmp/longjmp error manager, so a corrupt
 * file returns an error code and message instead of calling exit(). Settings are libjpeg's
 * defaults (islow DCT, fancy upsampling), as Pillow uses them. */

typedef struct {
    int width;
    int height;
    /* 1 = grayscale, 3 = RGB (converted from YCbCr by libjpeg), 4 = CMYK as stored
     * (YCCK converted to CMYK by libjpeg; Adobe-inverted values, not yet un-inverted). */
    int components;
    int progressive;
    /* width * height * components bytes, malloc'ed; free with crowd_free. */
    uint8_t *pixels;
} crowd_jpeg_image;

/* Returns 0 on success. On failure returns nonzero and writes a message into `error`:
 * 1 = libjpeg error, 2 = premature end of data (truncated), 3 = too many pixels,
 * 4 = unsupported layout, 5 = out of memory. Nothing is allocated on failure. */
int crowd_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      crowd_jpeg_image *out, char *error, size_t error_size);

/* Frees memory returned by the crowd_* codec functions. */
void crowd_free(void *pointer);

#endif
