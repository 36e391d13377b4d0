namespace Vim.Runtime.Imaging;

/// <summary>How an image becomes a model input; see <see cref="ImagePreprocessing.Preprocess"/>.</summary>
public sealed record PreprocessConfig
{
    /// <summary>The model input height in pixels.</summary>
    public int InputHeight { get; init; } = 224;

    /// <summary>The model input width in pixels.</summary>
    public int InputWidth { get; init; } = 224;

    /// <summary>The center-crop fraction; the resize target is <c>floor(input / CropPct)</c> (0.875: 224 → 256).</summary>
    public double CropPct { get; init; } = 0.875;

    /// <summary>The resampling filter of the resize step.</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Bicubic;

    /// <summary>
    /// Per-channel (R, G, B) mean, as Python floats; converted to float32 before use as torchvision does.
    /// </summary>
    public IReadOnlyList<double> Mean { get; init; } = [0.485, 0.456, 0.406];

    /// <summary>Per-channel (R, G, B) standard deviation, as Python floats; converted to float32 before use.</summary>
    public IReadOnlyList<double> Std { get; init; } = [0.229, 0.224, 0.225];

    /// <summary>
    /// When true (default), resize and center-crop as the Vim evaluation does. When false the image must already
    /// have the input size and is only converted and normalised (the digits model's PNG rule).
    /// </summary>
    public bool ResizeAndCrop { get; init; } = true;

    /// <summary>The ImageNet evaluation of hustvl/Vim (timm defaults): 224, crop 0.875, bicubic, ImageNet mean/std.</summary>
    public static PreprocessConfig ImageNet { get; } = new();

    /// <summary>
    /// The digits model's PNG rule: a 32×32 image, no resize, <c>x = p/255</c> replicated to RGB, then
    /// <c>(x − 0.5) / 0.5</c>.
    /// </summary>
    public static PreprocessConfig Digits { get; } = new()
    {
        InputHeight = 32,
        InputWidth = 32,
        CropPct = 1.0,
        ResizeAndCrop = false,
        Mean = [0.5, 0.5, 0.5],
        Std = [0.5, 0.5, 0.5],
    };

    /// <summary>
    /// The resize target as (height, width), or (size, 0) for "shorter side = size": for a square input the target
    /// is <c>floor(input / CropPct)</c> for the shorter side (torchvision <c>Resize(int)</c>), as in Vim's
    /// <c>int(input_size / eval_crop_ratio)</c>; for a non-square input both sides are scaled (timm's rule).
    /// </summary>
    public (int Height, int Width) ScaleSize()
    {
        int h = (int)Math.Floor(InputHeight / CropPct), w = (int)Math.Floor(InputWidth / CropPct);
        return InputHeight == InputWidth ? (h, 0) : (h, w);
    }
}

/// <summary>
/// Turns an image into a normalised CHW float tensor exactly as the official Vim evaluation does with torchvision
/// on a PIL image: <c>Resize(S, BICUBIC)</c>, <c>CenterCrop(input)</c>, <c>ToTensor()</c>, <c>Normalize(mean, std)</c>.
/// </summary>
public static class ImagePreprocessing
{
    /// <summary>
    /// Preprocesses <paramref name="image"/> (any channel count; converted to RGB first as PIL's
    /// <c>convert("RGB")</c>) and returns <c>3·H·W</c> floats in CHW order.
    /// </summary>
    /// <remarks>
    /// <list type="number">
    /// <item>Resize (when <see cref="PreprocessConfig.ResizeAndCrop"/>): for a square input, the shorter side becomes
    /// <c>S</c> and the longer <c>int(S·long/short)</c> (torchvision's <c>Resize(int)</c>); nothing happens when the
    /// size already matches. Resampling is PIL's (<see cref="ImageResize"/>).</item>
    /// <item>Center crop (torchvision): <c>top = int(round((h − crop_h) / 2))</c>,
    /// <c>left = int(round((w − crop_w) / 2))</c> with Python's round-half-to-even; an image smaller than the crop is
    /// first zero-padded by <c>(crop − size) // 2</c> before and <c>(crop − size + 1) // 2</c> after.</item>
    /// <item><c>x = p / 255</c> in float32, then <c>(x − mean) / std</c> in float32 with mean and std rounded to
    /// float32.</item>
    /// </list>
    /// Without resize-and-crop the image must already be <c>InputWidth × InputHeight</c>.
    /// </remarks>
    /// <exception cref="ArgumentException">The configuration is invalid, or the image has the wrong size when no resize is done.</exception>
    public static float[] Preprocess(Image image, PreprocessConfig config)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(config);
        if (config.Mean.Count != 3 || config.Std.Count != 3) throw new ArgumentException("Mean and Std need 3 values (R, G, B).", nameof(config));
        if (config.InputHeight < 1 || config.InputWidth < 1) throw new ArgumentException("The input size must be positive.", nameof(config));
        Image rgb = image.ToRgb();
        if (config.ResizeAndCrop)
        {
            if (!(config.CropPct > 0)) throw new ArgumentException("CropPct must be positive.", nameof(config));
            var (sh, sw) = config.ScaleSize();
            var (rh, rw) = sw == 0 ? ShorterSideSize(rgb.Height, rgb.Width, sh) : (sh, sw);
            if (rh != rgb.Height || rw != rgb.Width) rgb = ImageResize.Resize(rgb, rw, rh, config.Interpolation);
            rgb = CenterCrop(rgb, config.InputHeight, config.InputWidth);
        }
        else if (rgb.Width != config.InputWidth || rgb.Height != config.InputHeight)
        {
            throw new ArgumentException(
                $"The image is {rgb.Width}x{rgb.Height} but the configuration expects {config.InputWidth}x{config.InputHeight} without resizing.", nameof(image));
        }
        return ToNormalizedChw(rgb, config.Mean, config.Std);
    }

    /// <summary>
    /// torchvision's <c>Resize(int)</c> output size (height, width) for an image of the given size: the shorter side
    /// becomes <paramref name="size"/>, the longer <c>int(size · long / short)</c>.
    /// </summary>
    public static (int Height, int Width) ShorterSideSize(int height, int width, int size)
    {
        bool wShort = width <= height;
        int shortSide = wShort ? width : height, longSide = wShort ? height : width;
        int newLong = (int)((double)size * longSide / shortSide);
        return wShort ? (newLong, size) : (size, newLong);
    }

    /// <summary>torchvision's <c>CenterCrop</c> on a PIL image (zero padding when the image is smaller than the crop).</summary>
    public static Image CenterCrop(Image image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        int padLeft = width > w ? (width - w) / 2 : 0, padTop = height > h ? (height - h) / 2 : 0;
        int padRight = width > w ? (width - w + 1) / 2 : 0, padBottom = height > h ? (height - h + 1) / 2 : 0;
        if (padLeft + padRight + padTop + padBottom > 0)
        {
            image = image.Crop(-padLeft, -padTop, w + padLeft + padRight, h + padTop + padBottom);
            w = image.Width;
            h = image.Height;
            if (w == width && h == height) return image;
        }
        int top = (int)Math.Round((h - height) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((w - width) / 2.0, MidpointRounding.ToEven);
        return image.Crop(left, top, width, height);
    }

    /// <summary>
    /// torchvision's <c>ToTensor</c> + <c>Normalize</c> on an RGB image: <c>((float)p / 255f − (float)mean[c]) / (float)std[c]</c>,
    /// returned in CHW order.
    /// </summary>
    public static float[] ToNormalizedChw(Image rgb, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (rgb.Channels != 3) rgb = rgb.ToRgb();
        int plane = rgb.Width * rgb.Height;
        var result = new float[3 * plane];
        byte[] px = rgb.Pixels;
        for (int c = 0; c < 3; c++)
        {
            float m = (float)mean[c], s = (float)std[c];
            int o = c * plane;
            for (int i = 0; i < plane; i++)
            {
                float x = px[i * 3 + c] / 255f;
                result[o + i] = (x - m) / s;
            }
        }
        return result;
    }
}
