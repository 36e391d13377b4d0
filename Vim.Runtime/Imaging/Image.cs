namespace Vim.Runtime.Imaging;

/// <summary>
/// An 8-bit raster image: <see cref="Height"/> rows of <see cref="Width"/> pixels, each pixel
/// <see cref="Channels"/> interleaved samples (1 = gray "L", 2 = gray+alpha "LA", 3 = "RGB", 4 = "RGBA"), row-major.
/// </summary>
public sealed class Image
{
    /// <summary>The largest width or height accepted (PIL's decompression-bomb guard is on pixel count; we cap each side).</summary>
    public const int MaxDimension = 1 << 15;

    /// <summary>The largest pixel count accepted (about 179 megapixels, PIL's hard error threshold).</summary>
    public const long MaxPixels = 178_956_970;

    /// <summary>Wraps <paramref name="pixels"/> (not copied) as an image.</summary>
    /// <exception cref="ArgumentException">The sizes are out of range or the buffer has the wrong length.</exception>
    public Image(int width, int height, int channels, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        CheckSize(width, height);
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1, 2, 3 or 4.");
        if (pixels.LongLength != (long)width * height * channels)
        {
            throw new ArgumentException($"Expected {(long)width * height * channels} bytes for {width}x{height}x{channels}, got {pixels.LongLength}.", nameof(pixels));
        }
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>Creates a zero-filled image.</summary>
    public Image(int width, int height, int channels)
        : this(width, height, channels, new byte[CheckSize(width, height) * Math.Clamp(channels, 1, 4)])
    {
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Samples per pixel: 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA).</summary>
    public int Channels { get; }

    /// <summary>The samples, row-major and interleaved: sample <c>c</c> of pixel (x, y) is at <c>(y·Width + x)·Channels + c</c>.</summary>
    public byte[] Pixels { get; }

    /// <summary>Sample <paramref name="c"/> of pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte this[int x, int y, int c] => Pixels[((long)y * Width + x) * Channels + c];

    /// <summary>
    /// Converts to 3-channel RGB as PIL's <c>convert("RGB")</c> does: gray is replicated, alpha is dropped
    /// (not composited). Returns this instance when it is already RGB.
    /// </summary>
    public Image ToRgb()
    {
        if (Channels == 3) return this;
        long n = (long)Width * Height;
        var rgb = new byte[n * 3];
        byte[] src = Pixels;
        int ch = Channels;
        for (long i = 0; i < n; i++)
        {
            long s = i * ch, d = i * 3;
            if (ch <= 2)
            {
                byte g = src[s];
                rgb[d] = g; rgb[d + 1] = g; rgb[d + 2] = g;
            }
            else
            {
                rgb[d] = src[s]; rgb[d + 1] = src[s + 1]; rgb[d + 2] = src[s + 2];
            }
        }
        return new Image(Width, Height, 3, rgb);
    }

    /// <summary>
    /// Crops the rectangle with top-left (<paramref name="left"/>, <paramref name="top"/>) and the given size, as PIL's
    /// <c>crop</c>: parts outside the image are zero.
    /// </summary>
    public Image Crop(int left, int top, int width, int height)
    {
        var result = new Image(width, height, Channels);
        int ch = Channels;
        int x0 = Math.Max(left, 0), x1 = Math.Min(left + width, Width);
        if (x1 <= x0) return result;
        for (int y = 0; y < height; y++)
        {
            int sy = top + y;
            if (sy < 0 || sy >= Height) continue;
            Array.Copy(Pixels, ((long)sy * Width + x0) * ch, result.Pixels, ((long)y * width + (x0 - left)) * ch, (long)(x1 - x0) * ch);
        }
        return result;
    }

    internal static long CheckSize(int width, int height)
    {
        if (width < 1 || height < 1 || width > MaxDimension || height > MaxDimension || (long)width * height > MaxPixels)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}x{height} is out of range (1..{MaxDimension} per side, at most {MaxPixels} pixels).");
        }
        return (long)width * height;
    }
}
