using Vim.Runtime.Imaging;

namespace Vim.Runtime.Training.Data;

/// <summary>
/// The pixel operations of the training augmentations on 8-bit RGB images, each a plain definition (the tests compute the
/// same from it): lookup tables per channel, blends with a degenerate image, and affine warps sampled with a bicubic
/// (a = −0.5) or bilinear filter, filling pixels whose source lies outside the image.
/// </summary>
public static class ImageOps
{
    /// <summary>Applies a per-channel lookup table.</summary>
    public static Image Lut(Image image, Func<int, int, int> table)
    {
        var luts = new byte[3][];
        for (int c = 0; c < 3; c++)
        {
            luts[c] = new byte[256];
            for (int i = 0; i < 256; i++) luts[c][i] = (byte)Math.Clamp(table(c, i), 0, 255);
        }
        var rgb = image.ToRgb();
        var dst = new byte[rgb.Pixels.Length];
        for (int i = 0; i < dst.Length; i++) dst[i] = luts[i % 3][rgb.Pixels[i]];
        return new Image(rgb.Width, rgb.Height, 3, dst);
    }

    /// <summary>Per-channel histograms (3 × 256).</summary>
    public static int[][] Histograms(Image rgb)
    {
        var h = new int[3][] { new int[256], new int[256], new int[256] };
        for (int i = 0; i < rgb.Pixels.Length; i++) h[i % 3][rgb.Pixels[i]]++;
        return h;
    }

    /// <summary>PIL's <c>ImageOps.autocontrast</c> (cutoff 0): each channel stretched so its lowest value maps to 0 and its highest to 255.</summary>
    public static Image AutoContrast(Image image)
    {
        var rgb = image.ToRgb();
        var h = Histograms(rgb);
        var lo = new int[3];
        var scale = new double[3];
        for (int c = 0; c < 3; c++)
        {
            int a = Array.FindIndex(h[c], n => n > 0), b = Array.FindLastIndex(h[c], n => n > 0);
            lo[c] = a;
            scale[c] = b > a ? 255.0 / (b - a) : 0;
        }
        return Lut(rgb, (c, i) => scale[c] == 0 ? i : (int)((i - lo[c]) * scale[c]));
    }

    /// <summary>PIL's <c>ImageOps.equalize</c>: per channel, step = (pixels − count of the last used value) / 255 and lut[i] = (step/2 + Σ_{j&lt;i} h[j]) / step.</summary>
    public static Image Equalize(Image image)
    {
        var rgb = image.ToRgb();
        var h = Histograms(rgb);
        var luts = new int[3][];
        for (int c = 0; c < 3; c++)
        {
            int last = Array.FindLastIndex(h[c], n => n > 0);
            int step = (h[c].Sum() - h[c][last]) / 255;
            luts[c] = new int[256];
            if (step == 0)
            {
                for (int i = 0; i < 256; i++) luts[c][i] = i;
                continue;
            }
            int n = step / 2;
            for (int i = 0; i < 256; i++)
            {
                luts[c][i] = Math.Min(255, n / step);
                n += h[c][i];
            }
        }
        return Lut(rgb, (c, i) => luts[c][i]);
    }

    /// <summary>255 − x.</summary>
    public static Image Invert(Image image) => Lut(image, (_, i) => 255 - i);

    /// <summary>Keeps the top <paramref name="bits"/> bits of each value.</summary>
    public static Image Posterize(Image image, int bits) => bits >= 8 ? image.ToRgb() : Lut(image, (_, i) => i & ~((1 << (8 - Math.Max(bits, 0))) - 1));

    /// <summary>Values at or above <paramref name="threshold"/> become 255 − x.</summary>
    public static Image Solarize(Image image, int threshold) => Lut(image, (_, i) => i >= threshold ? 255 - i : i);

    /// <summary>Values below <paramref name="threshold"/> get <paramref name="add"/> added (clipped at 255).</summary>
    public static Image SolarizeAdd(Image image, int add, int threshold = 128) => Lut(image, (_, i) => i < threshold ? Math.Min(255, i + add) : i);

    /// <summary>PIL's luminance L = (299·R + 587·G + 114·B) / 1000, rounded.</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((r * 299 + g * 587 + b * 114 + 500) / 1000);

    /// <summary>degenerate + factor·(image − degenerate), rounded and clipped (PIL's <c>ImageEnhance</c> blend).</summary>
    public static Image Blend(Image degenerate, Image image, double factor)
    {
        var a = degenerate.Pixels;
        var b = image.Pixels;
        var dst = new byte[b.Length];
        for (int i = 0; i < dst.Length; i++) dst[i] = (byte)Math.Clamp((int)Math.Round(a[i] + factor * (b[i] - a[i]), MidpointRounding.AwayFromZero), 0, 255);
        return new Image(image.Width, image.Height, 3, dst);
    }

    /// <summary>ImageEnhance.Brightness: a blend with black.</summary>
    public static Image Brightness(Image image, double factor)
    {
        var rgb = image.ToRgb();
        return Blend(new Image(rgb.Width, rgb.Height, 3), rgb, factor);
    }

    /// <summary>ImageEnhance.Color: a blend with the image's luminance (saturation).</summary>
    public static Image Color(Image image, double factor) => Blend(Gray(image.ToRgb()), image.ToRgb(), factor);

    /// <summary>ImageEnhance.Contrast: a blend with the mean luminance, rounded.</summary>
    public static Image Contrast(Image image, double factor)
    {
        var rgb = image.ToRgb();
        var gray = Gray(rgb);
        long sum = 0;
        for (int i = 0; i < gray.Pixels.Length; i += 3) sum += gray.Pixels[i];
        byte mean = (byte)Math.Clamp((int)(sum / (double)(gray.Pixels.Length / 3) + 0.5), 0, 255);
        var flat = new byte[rgb.Pixels.Length];
        Array.Fill(flat, mean);
        return Blend(new Image(rgb.Width, rgb.Height, 3, flat), rgb, factor);
    }

    /// <summary>ImageEnhance.Sharpness: a blend with PIL's SMOOTH filter ([1 1 1; 1 5 1; 1 1 1] / 13, the border left as it is).</summary>
    public static Image Sharpness(Image image, double factor)
    {
        var rgb = image.ToRgb();
        int w = rgb.Width, h = rgb.Height;
        var smooth = (byte[])rgb.Pixels.Clone();
        for (int y = 1; y < h - 1; y++)
        {
            for (int x = 1; x < w - 1; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int sum = 0;
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        for (int dx = -1; dx <= 1; dx++) sum += rgb.Pixels[((y + dy) * w + x + dx) * 3 + c] * (dx == 0 && dy == 0 ? 5 : 1);
                    }
                    smooth[(y * w + x) * 3 + c] = (byte)((sum + 6) / 13);
                }
            }
        }
        return Blend(new Image(w, h, 3, smooth), rgb, factor);
    }

    /// <summary>The luminance as an RGB image.</summary>
    public static Image Gray(Image rgb)
    {
        var p = rgb.Pixels;
        var dst = new byte[p.Length];
        for (int i = 0; i < p.Length; i += 3) dst[i] = dst[i + 1] = dst[i + 2] = Luma(p[i], p[i + 1], p[i + 2]);
        return new Image(rgb.Width, rgb.Height, 3, dst);
    }

    /// <summary>Horizontal mirror.</summary>
    public static Image FlipHorizontal(Image image)
    {
        var rgb = image.ToRgb();
        int w = rgb.Width;
        var dst = new byte[rgb.Pixels.Length];
        for (int y = 0; y < rgb.Height; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < 3; c++) dst[(y * w + x) * 3 + c] = rgb.Pixels[(y * w + w - 1 - x) * 3 + c];
            }
        }
        return new Image(w, rgb.Height, 3, dst);
    }

    /// <summary>
    /// An affine warp as PIL's <c>Image.transform(AFFINE)</c> defines it: output pixel (x, y) reads the source at
    /// (a·(x+½) + b·(y+½) + c, d·(x+½) + e·(y+½) + f), in pixel units whose centres sit at i + ½; a source point outside the
    /// image gives <paramref name="fill"/>, one inside is interpolated (neighbours clamped to the image).
    /// </summary>
    public static Image Affine(Image image, double a, double b, double c, double d, double e, double f, bool bicubic, (byte R, byte G, byte B) fill)
    {
        var rgb = image.ToRgb();
        int w = rgb.Width, h = rgb.Height;
        var dst = new byte[rgb.Pixels.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double u = a * (x + 0.5) + b * (y + 0.5) + c, v = d * (x + 0.5) + e * (y + 0.5) + f;
                int o = (y * w + x) * 3;
                if (u < 0 || v < 0 || u >= w || v >= h)
                {
                    dst[o] = fill.R;
                    dst[o + 1] = fill.G;
                    dst[o + 2] = fill.B;
                    continue;
                }
                for (int ch = 0; ch < 3; ch++) dst[o + ch] = Sample(rgb, u - 0.5, v - 0.5, ch, bicubic);
            }
        }
        return new Image(w, h, 3, dst);
    }

    private static byte Sample(Image rgb, double px, double py, int ch, bool bicubic)
    {
        int w = rgb.Width, h = rgb.Height;
        int x0 = (int)Math.Floor(px), y0 = (int)Math.Floor(py);
        double fx = px - x0, fy = py - y0;
        double At(int yy, int xx) => rgb.Pixels[(Math.Clamp(yy, 0, h - 1) * w + Math.Clamp(xx, 0, w - 1)) * 3 + ch];
        double value;
        if (!bicubic)
        {
            value = (1 - fy) * ((1 - fx) * At(y0, x0) + fx * At(y0, x0 + 1)) + fy * ((1 - fx) * At(y0 + 1, x0) + fx * At(y0 + 1, x0 + 1));
        }
        else
        {
            value = 0;
            for (int j = -1; j <= 2; j++)
            {
                double row = 0;
                for (int i = -1; i <= 2; i++) row += Cubic(i - fx) * At(y0 + j, x0 + i);
                value += Cubic(j - fy) * row;
            }
        }
        return (byte)Math.Clamp((int)Math.Round(value, MidpointRounding.AwayFromZero), 0, 255);
    }

    /// <summary>The bicubic kernel with a = −0.5 (PIL's and Keys').</summary>
    public static double Cubic(double t)
    {
        const double A = -0.5;
        t = Math.Abs(t);
        if (t < 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
        if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
        return 0;
    }

    /// <summary>PIL's <c>rotate(degrees)</c> (counter-clockwise, about the centre, same size) as an affine warp.</summary>
    public static Image Rotate(Image image, double degrees, bool bicubic, (byte R, byte G, byte B) fill)
    {
        double angle = -degrees * Math.PI / 180;
        double cos = Math.Round(Math.Cos(angle), 15), sin = Math.Round(Math.Sin(angle), 15);
        double cx = image.Width / 2.0, cy = image.Height / 2.0;
        // source = M·(target − centre) + centre, M = [[cos, sin], [−sin, cos]]
        return Affine(image, cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy, bicubic, fill);
    }
}
