namespace Vim.Runtime.Training;

/// <summary>Which per-example augmentation a recipe trains with.</summary>
public enum Augmentation
{
    /// <summary>The evaluation transform only.</summary>
    None,

    /// <summary>The digits recipe's affine re-rendering (data/digits/README.md).</summary>
    Digits,

    /// <summary>timm's ImageNet training transform as the official recipes configure it (random-resized crop, flip, RandAugment, erasing).</summary>
    ImageNet,
}

/// <summary>
/// Everything a training run is configured by, as the official <c>main.py</c> arguments are; <see cref="Recipes"/> has the
/// official presets. Learning rates here are the ones used (the CLI scales <c>--lr</c> by batch/512 where the recipe does).
/// </summary>
public sealed record TrainingRecipe
{
    /// <summary>The recipe's name (in logs and checkpoints).</summary>
    public string Name { get; init; } = "custom";

    /// <summary>Epochs of the schedule (the cosine's length).</summary>
    public int Epochs { get; init; } = 300;

    /// <summary>Epochs at the minimum learning rate after the schedule (timm's cooldown).</summary>
    public int CooldownEpochs { get; init; }

    /// <summary>Images per optimizer step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>The cosine's floor.</summary>
    public double MinLearningRate { get; init; } = 1e-5;

    /// <summary>Warmup length in epochs.</summary>
    public double WarmupEpochs { get; init; } = 5;

    /// <summary>The warmup's starting learning rate.</summary>
    public double WarmupLearningRate { get; init; } = 1e-6;

    /// <summary>Update the learning rate every step (else once per epoch, as timm's <c>t_in_epochs</c>).</summary>
    public bool PerStepSchedule { get; init; }

    /// <summary>Start the cosine after the warmup (timm's <c>warmup_prefix</c>).</summary>
    public bool WarmupPrefix { get; init; }

    /// <summary>AdamW's decoupled weight decay (not for 1-D parameters, biases and <c>no_weight_decay</c> names).</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Label smoothing.</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Mixup's α (0: off).</summary>
    public double Mixup { get; init; }

    /// <summary>CutMix's α (0: off).</summary>
    public double Cutmix { get; init; }

    /// <summary>Probability of mixing a batch at all.</summary>
    public double MixupProbability { get; init; } = 1.0;

    /// <summary>Probability of CutMix rather than mixup when both are on.</summary>
    public double MixupSwitchProbability { get; init; } = 0.5;

    /// <summary>Global-norm gradient clipping (null: none).</summary>
    public double? ClipGrad { get; init; }

    /// <summary>EMA decay of the weights (null: no EMA).</summary>
    public double? EmaDecay { get; init; }

    /// <summary>Stochastic depth rate.</summary>
    public double DropPath { get; init; }

    /// <summary>The per-example augmentation.</summary>
    public Augmentation Augmentation { get; init; } = Augmentation.ImageNet;

    /// <summary>RandAugment policy (timm's string), for <see cref="Augmentation.ImageNet"/>; null: none.</summary>
    public string? AutoAugment { get; init; } = "rand-m9-mstd0.5-inc1";

    /// <summary>Colour jitter strength (used when there is no RandAugment, as timm does).</summary>
    public double ColorJitter { get; init; } = 0.3;

    /// <summary>Random erasing probability.</summary>
    public double ReProb { get; init; } = 0.25;

    /// <summary>Repeated augmentation (DeiT's RASampler, Vim's default): each example appears this many times per epoch, differently augmented; 0 or 1: off.</summary>
    public int RepeatedAugmentations { get; init; }

    /// <summary>Seed of the initialisation, the order, the augmentation and drop-path.</summary>
    public int Seed { get; init; }

    /// <summary>Total epochs run: the schedule plus the cooldown.</summary>
    public int TotalEpochs => Epochs + CooldownEpochs;
}

/// <summary>The official recipes, as <c>--recipe</c> names them.</summary>
public static class Recipes
{
    /// <summary>The digits model's recipe (data/digits/README.md): 40 epochs of batch 64, AdamW 2e-3, per-step warmup + cosine, smoothing 0.1, drop-path 0.05.</summary>
    public static TrainingRecipe Digits { get; } = new()
    {
        Name = "digits", Epochs = 40, BatchSize = 64, LearningRate = 2e-3, MinLearningRate = 1e-5, WarmupEpochs = 3, WarmupLearningRate = 1e-5,
        PerStepSchedule = true, WarmupPrefix = true, WeightDecay = 0.05, LabelSmoothing = 0.1, DropPath = 0.05, Augmentation = Augmentation.Digits, AutoAugment = null,
        ReProb = 0, ColorJitter = 0,
    };

    /// <summary>
    /// hustvl/Vim's Vim-Ti recipe (<c>scripts/pt-vim-t.sh</c> with <c>main.py</c>'s defaults): batch 128 per GPU on 8 GPUs, lr 5e-4 per
    /// 512 images, 300 epochs + 10 cooldown, warmup 5 from 1e-6, min 1e-5, weight decay 0.1, no drop-path, RandAugment m9-mstd0.5,
    /// erasing 0.25, mixup 0.8 / cutmix 1.0, smoothing 0.1, EMA 0.99996, repeated augmentation ×3.
    /// </summary>
    public static TrainingRecipe VimTiny { get; } = new()
    {
        Name = "vim-t", Epochs = 300, CooldownEpochs = 10, BatchSize = 1024, LearningRate = 5e-4 * 1024 / 512, MinLearningRate = 1e-5, WarmupEpochs = 5,
        WarmupLearningRate = 1e-6, WeightDecay = 0.1, LabelSmoothing = 0.1, Mixup = 0.8, Cutmix = 1.0, EmaDecay = 0.99996, DropPath = 0.0, RepeatedAugmentations = 3,
    };

    /// <summary>Vim-S (<c>scripts/pt-vim-s.sh</c>): batch 64 per GPU on 8 GPUs, lr 1e-3 per 512 images, weight decay 0.05, drop-path 0.05; the rest as Vim-Ti.</summary>
    public static TrainingRecipe VimSmall { get; } = VimTiny with { Name = "vim-s", BatchSize = 512, LearningRate = 1e-3 * 512 / 512, WeightDecay = 0.05, DropPath = 0.05 };

    /// <summary>
    /// VMamba-T (<c>configs/vssm/vmambav2v_tiny_224.yaml</c> over <c>config.py</c>'s defaults): 300 epochs, batch 1024, AdamW lr 1e-3,
    /// warmup 20 from 1e-6, min 1e-5, wd 0.05, clip 5, RandAugment m9-mstd0.5, erasing 0.25, mixup 0.8 / cutmix 1.0, smoothing 0.1,
    /// drop-path 0.2, EMA 0.9999, per-step schedule.
    /// </summary>
    public static TrainingRecipe VMambaTiny { get; } = new()
    {
        Name = "vmamba-t", Epochs = 300, BatchSize = 1024, LearningRate = 1e-3, MinLearningRate = 1e-5, WarmupEpochs = 20, WarmupLearningRate = 1e-6,
        PerStepSchedule = true, WarmupPrefix = true, WeightDecay = 0.05, ClipGrad = 5.0, LabelSmoothing = 0.1, Mixup = 0.8, Cutmix = 1.0,
        EmaDecay = 0.9999, DropPath = 0.2,
    };

    /// <summary>A recipe by its <c>--recipe</c> name.</summary>
    /// <exception cref="ArgumentException">No recipe has that name.</exception>
    public static TrainingRecipe Get(string name) =>
        TryGet(name) ?? throw new ArgumentException($"Unknown recipe '{name}'; the recipes are digits, vim-t, vim-s, vmamba-t.");

    /// <summary>A recipe by its <c>--recipe</c> name, or null.</summary>
    public static TrainingRecipe? TryGet(string name) => name.ToLowerInvariant() switch
    {
        "digits" => Digits,
        "vim-t" or "vim-ti" or "vim-tiny" => VimTiny,
        "vim-s" or "vim-small" => VimSmall,
        "vmamba-t" or "vmamba-tiny" => VMambaTiny,
        _ => null,
    };
}
