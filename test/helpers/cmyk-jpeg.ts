/**
 * A 48×32 CMYK JPEG (Adobe APP14, four components), made once with sharp
 * (`sharp(rgb).toColourspace("cmyk").jpeg({ quality: 95 })`) from four RGB
 * quadrants: top-left CMYK_QUADRANTS[0], top-right [1], bottom-left [2],
 * bottom-right [3]. No test-side encoder writes CMYK, hence the bytes.
 */
export const CMYK_JPEG_W = 48;
export const CMYK_JPEG_H = 32;
export const CMYK_QUADRANTS = [
  [220, 40, 90],
  [30, 40, 90],
  [220, 200, 90],
  [30, 200, 90],
] as const;

export function cmykJpeg(): Uint8Array {
  return Uint8Array.from(
    atob(
      "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcGBggLCAkKCgoKCgYICwwLCgwJCgoK/8AAFAgAIAAwBEMRAE0RAFkRAEsRAP/EABoAAQADAQEBAAAAAAAAAAAAAAAICQoGBwT/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/9oADgRDAE0AWQBLAAA/AL/FGb413AAAMDb1BfopDAABvkeXqC13gAAMDb1BfopDAABvIbTGUtbgAADOO6xCdJAAAGjhyabCN4AAM47rEJ0kAAAf/9k=",
    ),
    (c) => c.charCodeAt(0),
  );
}
