using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Registry;

/// <summary>Input checks shared by generated models; they throw before anything is computed, so the model stays usable.</summary>
public static class ModelInput
{
    /// <summary>Checks that <paramref name="x"/> is (B, C, H, W) on the model's device with the model's C, H and W.</summary>
    /// <exception cref="ModelInputException">Rank, channels, size or device differ.</exception>
    public static void CheckImages(string model, Tensor x, Device device, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(x);
        string expected = $"(B, {channels}, {height}, {width})";
        if (x.IsDisposed) throw new ModelInputException($"{model}: the input tensor was disposed.");
        if (x.Rank != 4) throw new ModelInputException($"{model}: expected images {expected}, got a rank-{x.Rank} tensor {x.Shape}.");
        if (x.Shape[0] == 0) throw new ModelInputException($"{model}: expected images {expected}, got an empty batch {x.Shape}.");
        if (x.Shape[1] != channels) throw new ModelInputException($"{model}: expected images {expected} with {channels} channels, got {x.Shape[1]} channels in {x.Shape}.");
        if (x.Shape[2] != height || x.Shape[3] != width)
        {
            throw new ModelInputException($"{model}: expected images {expected}, got {x.Shape}: the input must be {height}x{width} (resize or create the model with ImgSize overridden).");
        }
        if (x.Device != device) throw new ModelInputException($"{model}: the input is on {x.Device} but the model is on {device}; move one with To().");
    }
}
