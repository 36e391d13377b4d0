using System.Globalization;
using Vim.Runtime.Imaging;

namespace Vim.Runtime.Training.Data;

/// <summary>
/// timm 0.4.12's <c>rand_augment_transform</c> for policy strings <c>rand-m{M}[-n{N}][-mstd{S}][-inc{0|1}]</c>: N operations (2 by
/// default) drawn uniformly with replacement from the 15 "increasing" transforms; each runs with probability ½ at a magnitude
/// drawn from Normal(M, S) clipped to [0, 10]. Geometric operations use the recipe's interpolation (bicubic) and fill with
/// the mean colour; translations move by up to 45 % of the image (at magnitude 10).
/// </summary>
public sealed class RandAugment
{
    private const double MaxLevel = 10;

    private static readonly string[] Increasing =
    [
        "AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing", "SolarizeAdd", "ColorIncreasing",
        "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel",
    ];

    /// <summary>Parses a timm policy string.</summary>
    /// <exception cref="ArgumentException">The string is not a RandAugment policy.</exception>
    public RandAugment(string policy, (byte R, byte G, byte B) fill, bool bicubic = true)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var parts = policy.Split('-');
        if (parts[0] != "rand") throw new ArgumentException($"'{policy}' is not a RandAugment policy (rand-m9-mstd0.5-inc1, …).", nameof(policy));
        foreach (var part in parts.Skip(1))
        {
            double Value(int skip) => double.Parse(part[skip..], CultureInfo.InvariantCulture);
            if (part.StartsWith("mstd", StringComparison.Ordinal)) MagnitudeStd = Value(4);
            else if (part.StartsWith("inc", StringComparison.Ordinal)) { if (Value(3) != 1) throw new ArgumentException($"Only the increasing RandAugment transforms (inc1) are supported: '{policy}'.", nameof(policy)); }
            else if (part.StartsWith('m')) Magnitude = Value(1);
            else if (part.StartsWith('n')) Layers = (int)Value(1);
            else throw new ArgumentException($"Unknown RandAugment option '{part}' in '{policy}'.", nameof(policy));
        }
        Fill = fill;
        Bicubic = bicubic;
    }

    /// <summary>M.</summary>
    public double Magnitude { get; } = 10;

    /// <summary>S, the magnitude's standard deviation.</summary>
    public double MagnitudeStd { get; }

    /// <summary>N, operations per image.</summary>
    public int Layers { get; } = 2;

    /// <summary>The fill colour of geometric operations.</summary>
    public (byte R, byte G, byte B) Fill { get; }

    /// <summary>Bicubic (else bilinear) sampling in geometric operations.</summary>
    public bool Bicubic { get; }

    /// <summary>Applies the policy.</summary>
    public Image Apply(Image image, Random random)
    {
        var ops = new string[Layers];
        for (int i = 0; i < Layers; i++) ops[i] = Increasing[random.Next(Increasing.Length)];
        foreach (var op in ops)
        {
            if (random.NextDouble() > 0.5) continue;
            double m = MagnitudeStd > 0 ? Gauss(random, Magnitude, MagnitudeStd) : Magnitude;
            m = Math.Clamp(m, 0, MaxLevel);
            image = Operation(op, image, m, random);
        }
        return image;
    }

    /// <summary>One operation at magnitude <paramref name="m"/> (0..10); signs of signed operations come from <paramref name="random"/>.</summary>
    public Image Operation(string name, Image image, double m, Random random)
    {
        double Signed(double v) => random.NextDouble() > 0.5 ? -v : v;
        double level = m / MaxLevel;
        switch (name)
        {
            case "AutoContrast": return ImageOps.AutoContrast(image);
            case "Equalize": return ImageOps.Equalize(image);
            case "Invert": return ImageOps.Invert(image);
            case "Rotate": return ImageOps.Rotate(image, Signed(level * 30), Bicubic, Fill);
            case "PosterizeIncreasing": return ImageOps.Posterize(image, 4 - (int)(level * 4));
            case "SolarizeIncreasing": return ImageOps.Solarize(image, 256 - (int)(level * 256));
            case "SolarizeAdd": return ImageOps.SolarizeAdd(image, (int)(level * 110));
            case "ColorIncreasing": return ImageOps.Color(image, 1 + Signed(level * 0.9));
            case "ContrastIncreasing": return ImageOps.Contrast(image, 1 + Signed(level * 0.9));
            case "BrightnessIncreasing": return ImageOps.Brightness(image, 1 + Signed(level * 0.9));
            case "SharpnessIncreasing": return ImageOps.Sharpness(image, 1 + Signed(level * 0.9));
            case "ShearX": return ImageOps.Affine(image, 1, Signed(level * 0.3), 0, 0, 1, 0, Bicubic, Fill);
            case "ShearY": return ImageOps.Affine(image, 1, 0, 0, Signed(level * 0.3), 1, 0, Bicubic, Fill);
            case "TranslateXRel": return ImageOps.Affine(image, 1, 0, Signed(level * 0.45) * image.Width, 0, 1, 0, Bicubic, Fill);
            case "TranslateYRel": return ImageOps.Affine(image, 1, 0, 0, 0, 1, Signed(level * 0.45) * image.Height, Bicubic, Fill);
            default: throw new ArgumentException($"Unknown RandAugment operation '{name}'.", nameof(name));
        }
    }

    internal static double Gauss(Random random, double mean, double std)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
