#ifndef CROWD_CODECS_H
#define CROWD_CODECS_H
#include <stddef.h>
#include <stdint.h>

/* Image codecs with setjmp/longjmp error managers: a damaged file returns an error message instead of
 * libjpeg's default exit() or libpng's abort. Output is 8-bit RGB, rows top to bottom, as Pillow's
 * Image.open(...).convert("RGB") gives it. The caller frees *out with crowd_free. */

/* Returns 0 on success. Images above max_pixels are refused before any pixel memory is allocated. */
int crowd_jpeg_decode(const uint8_t *data, size_t size, long long max_pixels,
                      uint8_t **out, int *width, int *height, char *err, size_t errlen);
int crowd_png_decode(const uint8_t *data, size_t size, long long max_pixels,
                     uint8_t **out, int *width, int *height, char *err, size_t errlen);
/* Encodes 8-bit RGB to PNG in memory. */
int crowd_png_encode(const uint8_t *rgb, int width, int height,
                     uint8_t **out, size_t *out_size, char *err, size_t errlen);
void crowd_free(void *p);

#endif
