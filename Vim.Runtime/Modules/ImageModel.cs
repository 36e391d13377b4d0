using Vim.Runtime.Checkpoints;
using Vim.Runtime.Devices;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Modules;

/// <summary>A registered image model: what every generated model class derives from.</summary>
public abstract partial class ImageModel : Module
{
    /// <summary>Creates the model with parameters on <paramref name="device"/> (CPU or meta).</summary>
    protected ImageModel(Device device) : base(device)
    {
    }

    /// <summary>The registry entry: name, aliases, default configuration.</summary>
    public abstract ModelInfo Info { get; }

    /// <summary>Logits for normalised images (B, C, H, W).</summary>
    /// <remarks>
    /// Thread safety: forwards may run from several threads at once on one model (they only read the parameters, and
    /// every intermediate belongs to its call). <see cref="LoadCheckpoint"/>, <see cref="Module.LoadStateDict"/> and
    /// moving the model to another device wait for the forwards in flight and hold new ones back until they are done,
    /// so a forward sees the old weights or the new, never a mix. Training (an optimizer step changes the values in
    /// place) is for one thread at a time.
    /// </remarks>
    public Tensor Forward(Tensor x) => ReadingValues(() => ForwardCore(x));

    /// <summary>Pre-head features for normalised images (B, C, H, W); thread safety as for <see cref="Forward"/>.</summary>
    public Tensor ForwardFeatures(Tensor x) => ReadingValues(() => ForwardFeaturesCore(x));

    /// <summary>The generated forward pass: logits.</summary>
    protected abstract Tensor ForwardCore(Tensor x);

    /// <summary>The generated forward pass: pre-head features.</summary>
    protected abstract Tensor ForwardFeaturesCore(Tensor x);

    /// <summary>
    /// Called with named intermediate activations during a forward pass (<c>patch_proj</c>, <c>patch_embed</c>,
    /// <c>layer0_hidden</c>, <c>layer0_residual</c>, as the official fixtures name them); null costs nothing.
    /// The tensors belong to the forward pass: copy what you keep.
    /// </summary>
    public Action<string, Tensor>? Observer { get; set; }

    /// <summary>Reports an intermediate activation to <see cref="Observer"/>.</summary>
    protected void Observe(string name, Tensor activation) => Observer?.Invoke(name, activation);

    /// <summary>
    /// compute(x), where a CPU batch of several images runs as one-image passes spread over the cores, each pass's
    /// kernels on its own thread (see <see cref="CpuBatchSplit"/>). Not while an <see cref="Observer"/> listens: it
    /// sees the whole batch's intermediates. Other devices and single images call compute(x) directly.
    /// </summary>
    protected Tensor ForEachImage(Tensor x, Func<Tensor, Tensor> compute)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(compute);
        return Observer is null && CpuBatchSplit.Applies(x) ? CpuBatchSplit.Run(x, compute) : compute(x);
    }

    /// <summary>The keys the official model's <c>no_weight_decay()</c> names: exempt from weight decay in the recipes' parameter groups.</summary>
    public virtual IReadOnlySet<string> NoWeightDecay => new HashSet<string>();

    /// <summary>Key fragments (VMamba's <c>no_weight_decay_keywords()</c>) whose parameters are exempt from weight decay.</summary>
    public virtual IReadOnlyList<string> NoWeightDecayKeywords => [];

    /// <summary>Training mode: drop-path is active in <see cref="ForwardTrain"/>. Off after construction, as in PyTorch's eval mode.</summary>
    public bool IsTraining { get; private set; }

    /// <summary>Switches training mode on (drop-path active) or off; returns this model.</summary>
    public ImageModel Train(bool training = true)
    {
        IsTraining = training;
        return this;
    }

    /// <summary>Switches training mode off (the deterministic function); returns this model.</summary>
    public ImageModel Eval() => Train(false);

    /// <summary>
    /// Gradient checkpointing: each block keeps only its input during <see cref="ForwardTrain"/> and recomputes the rest in
    /// the backward pass (one more forward of the blocks, for a fraction of the memory).
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>
    /// The training forward: logits for normalised images (B, C, H, W), with what the generated backward pass reads kept in
    /// the returned pass. Drop-path draws its masks from <paramref name="seed"/> when <see cref="IsTraining"/>. The pass's
    /// <see cref="TrainingPass.Backward"/> accumulates every trainable parameter's gradient (and returns ∂loss/∂images
    /// when <paramref name="inputGradient"/>).
    /// </summary>
    public TrainingPass ForwardTrain(Tensor images, int seed = 0, bool inputGradient = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        return ReadingValues(() => ForwardTrainLocked(images, seed, inputGradient));
    }

    private TrainingPass ForwardTrainLocked(Tensor images, int seed, bool inputGradient)
    {
        var context = new TrainingContext(IsTraining, seed, GradientCheckpointing);
        // The images are read again by the patch embedding's weight gradient: the pass keeps its own copy.
        var kept = Tensor.Empty(images.Shape, images.Device);
        images.CopyTo(kept);
        ActivationStore? saved = null;
        try
        {
            var logits = ForwardTrainCore(kept, context, out saved);
            saved.Keep(kept);
            return new TrainingPass(this, logits, saved, BackwardCore, inputGradient);
        }
        catch
        {
            saved?.Dispose();
            kept.Dispose();
            throw;
        }
    }

    /// <summary>The generated training forward: logits, and in <paramref name="saved"/> what <see cref="BackwardCore"/> reads.</summary>
    protected virtual Tensor ForwardTrainCore(Tensor images, TrainingContext context, out ActivationStore saved) =>
        throw new NotSupportedException($"{Info.Name} has no generated backward pass; rebuild it with the current Vim.Generators.");

    /// <summary>The generated backward graph: accumulates every parameter gradient; returns ∂loss/∂images when asked.</summary>
    protected virtual Tensor? BackwardCore(ActivationStore saved, Tensor dLogits, bool inputGradient) =>
        throw new NotSupportedException($"{Info.Name} has no generated backward pass; rebuild it with the current Vim.Generators.");

    /// <summary>Moves the parameters to <paramref name="device"/>; returns this model.</summary>
    public new ImageModel To(Device device)
    {
        base.To(device);
        return this;
    }

    /// <summary>
    /// Loads a <c>.safetensors</c> or PyTorch <c>.pth</c> checkpoint (its <paramref name="entry"/> dict, <c>model</c> by
    /// default, as the official training code writes it). Strict: every missing, unexpected and mis-shaped key is
    /// named in one <see cref="CheckpointMismatchException"/> and the model is left unchanged. Keys saved from a
    /// <c>DistributedDataParallel</c> wrapper (all prefixed <c>module.</c>) are taken without the prefix.
    /// </summary>
    /// <param name="path">A <c>.safetensors</c> or PyTorch zip checkpoint.</param>
    /// <param name="entry">The top-level entry of a <c>.pth</c> (<c>model</c>, <c>model_ema</c>, <c>state_dict</c>, …).</param>
    /// <param name="strict">Every key must match.</param>
    /// <param name="options">How the <c>.pth</c> pickle is read (the defaults accept only state-dict types).</param>
    public void LoadCheckpoint(string path, string entry = "model", bool strict = true, PthReadOptions? options = null)
    {
        var tensors = CheckpointReader.Load(path, entry, options);
        try
        {
            LoadStateDict(AdaptToModel(tensors), strict);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Maps a checkpoint's foreign layout (legacy key names, reshaped weights) onto this model's keys before the strict
    /// match; a family overrides it once in its generated code. The default takes the checkpoint as it is.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, Tensor> AdaptCheckpoint(IReadOnlyDictionary<string, Tensor> tensors) => tensors;

    /// <summary>
    /// A checkpoint's tensors mapped onto this model's keys (a DistributedDataParallel <c>module.</c> prefix dropped,
    /// legacy names, reshaped weights), as loading does first.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> AdaptToModel(IReadOnlyDictionary<string, Tensor> tensors) =>
        AdaptCheckpoint(WithoutDataParallelPrefix(tensors ?? throw new ArgumentNullException(nameof(tensors))));

    // torch.save(ddp_model.state_dict()) names every parameter 'module.<key>'; main.py saves model_without_ddp, but
    // other scripts do not. Only a prefix on every key, which none of this model's keys has, is taken off.
    private IReadOnlyDictionary<string, Tensor> WithoutDataParallelPrefix(IReadOnlyDictionary<string, Tensor> tensors)
    {
        const string Prefix = "module.";
        if (tensors.Count == 0 || !tensors.Keys.All(k => k.StartsWith(Prefix, StringComparison.Ordinal))) return tensors;
        if (NamedParameters().Any(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal))) return tensors;
        var stripped = new Dictionary<string, Tensor>(tensors.Count, StringComparer.Ordinal);
        foreach (var (key, value) in tensors) stripped[key[Prefix.Length..]] = value;
        return stripped;
    }

    /// <summary>Writes the parameters to a <c>.safetensors</c> file under their official keys, in state-dict order (atomically: a kill never leaves half a file).</summary>
    /// <exception cref="IOException">The folder is not writable or the disk is full; the previous file is unchanged.</exception>
    public void SaveSafetensors(string path) =>
        AtomicFile.Write(path, s => SafeTensors.Save(s, StateDict(), new Dictionary<string, string> { ["format"] = "pt", ["model"] = Info.Name }));
}
