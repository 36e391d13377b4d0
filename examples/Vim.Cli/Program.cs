using System.CommandLine;
using Vim.Cli;

Cli.ConfigureConsole();

var modelArg = new Argument<string>("model") { Description = "Model name or alias (see 'vim list')." };
var patternArg = new Argument<string>("pattern") { Description = "Name pattern with * and ? wildcards.", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "*" };
var imageOpt = new Option<string>("--image", "-i") { Description = "An image (PNG, JPEG, PPM/PGM), a folder of them (recursively) or a glob (photos/*.jpg, data/**/*.png).", Required = true };
var topOpt = new Option<int>("--top", "-k") { Description = "Classes to show per image.", DefaultValueFactory = _ => 5 };
var formatOpt = new Option<string?>("--output") { Description = "text, csv or json on stdout (a folder or glob defaults to text lines; progress and skipped files go to stderr)." };
var runBatchOpt = new Option<int>("--batch", "-b") { Description = "Images per forward pass when classifying many.", DefaultValueFactory = _ => 32 };
var checkpointOpt = new Option<string?>("--checkpoint", "-c") { Description = "Checkpoint (.pth or .safetensors); without it the model has fresh random weights (the digits model uses its shipped checkpoint)." };
var deviceOpt = new Option<string>("--device", "-d") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
var batchOpt = new Option<int>("--batch", "-b") { Description = "Images per forward pass.", DefaultValueFactory = _ => 1 };
var iterationsOpt = new Option<int>("--iterations", "-n") { Description = "Timed forward passes.", DefaultValueFactory = _ => 10 };
var warmupOpt = new Option<int>("--warmup") { Description = "Untimed forward passes first.", DefaultValueFactory = _ => 1 };
var threadsOpt = new Option<int?>("--threads", "-t") { Description = "Most threads per CPU kernel (default: all cores)." };

var jsonOpt = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout instead of tables." };
var list = new Command("list", "List the registered models.") { patternArg, jsonOpt };
list.SetAction(r => Cli.Guard(() => Commands.List(r.GetValue(patternArg) ?? "*", r.GetValue(jsonOpt))));

var info = new Command("info", "Parameters, FLOPs per image and tensor shapes per step of a model.") { modelArg, jsonOpt };
info.SetAction(r => Cli.Guard(() => Commands.Info(r.GetRequiredValue(modelArg), r.GetValue(jsonOpt))));

var entryOpt = new Option<string>("--entry") { Description = "The entry of a .pth checkpoint that holds the weights: model, model_ema, state_dict, …", DefaultValueFactory = _ => "model" };
var run = new Command("run", "Classify images: the top classes with softmax probabilities, for one file or many in batches.")
    { modelArg, imageOpt, checkpointOpt, entryOpt, deviceOpt, topOpt, formatOpt, runBatchOpt };
run.SetAction(r => Cli.Guard(() => Commands.Run(r.GetRequiredValue(modelArg), r.GetRequiredValue(imageOpt), r.GetValue(checkpointOpt), r.GetValue(deviceOpt) ?? "cpu",
    r.GetValue(entryOpt) ?? "model", r.GetValue(topOpt), r.GetValue(formatOpt), r.GetValue(runBatchOpt))));

var precisionOpt = new Option<string>("--precision") { Description = "fp32 or bf16 (bf16: GPU only; activations and GEMMs in bf16, the scan state in fp32).", DefaultValueFactory = _ => "fp32" };
var benchImgSizeOpt = new Option<int?>("--img-size") { Description = "Square image size (the model's size-only override, position embedding interpolated); the declared size when omitted." };
var bench = new Command("bench", "Time forward passes on random normalised input: median, p10/p90 and best per pass (a GPU pass waits for its kernels), peak device memory.")
    { modelArg, deviceOpt, batchOpt, iterationsOpt, warmupOpt, threadsOpt, jsonOpt, precisionOpt, benchImgSizeOpt };
bench.SetAction(r => Cli.Guard(() => Commands.Bench(r.GetRequiredValue(modelArg), r.GetValue(deviceOpt) ?? "cpu",
    r.GetValue(batchOpt), r.GetValue(iterationsOpt), r.GetValue(warmupOpt), r.GetValue(threadsOpt), r.GetValue(jsonOpt),
    r.GetValue(precisionOpt) ?? "fp32", r.GetValue(benchImgSizeOpt))));

var stepsOpt = new Option<int>("--steps") { Description = "Timed training steps per round.", DefaultValueFactory = _ => 3 };
var roundsOpt = new Option<int>("--rounds") { Description = "Rounds, each ours then the official step when --official is given.", DefaultValueFactory = _ => 3 };
var officialOpt = new Option<string?>("--official") { Description = "A checkout of hustvl/Vim: time its training step (PyTorch, CPU reference kernels) in the same command." };
var pythonOpt = new Option<string>("--python") { Description = "The Python with PyTorch that runs the official step.", DefaultValueFactory = _ => "python3" };
var checkpointingOpt = new Option<bool>("--checkpointing") { Description = "Gradient checkpointing: blocks recompute their activations in the backward pass." };
var trainBatchOpt = new Option<int>("--batch", "-b") { Description = "Images per training step.", DefaultValueFactory = _ => 8 };
var imgSizeOpt = new Option<int?>("--img-size") { Description = "Square image size (the model's size-only override); the declared size when omitted." };
var benchTrain = new Command("bench-train", "Time the CPU training step (forward, loss, backward, AdamW), optionally against the official PyTorch step.")
    { modelArg, trainBatchOpt, stepsOpt, roundsOpt, threadsOpt, officialOpt, pythonOpt, checkpointingOpt, imgSizeOpt };
benchTrain.SetAction(r => Cli.Guard(() => TrainBench.Run(r.GetRequiredValue(modelArg), r.GetValue(trainBatchOpt), r.GetValue(stepsOpt), r.GetValue(roundsOpt),
    r.GetValue(threadsOpt), r.GetValue(officialOpt), r.GetValue(pythonOpt) ?? "python3", r.GetValue(checkpointingOpt), r.GetValue(imgSizeOpt))));

var dataOpt = new Option<string>("--data") { Description = "Image folders: DIR/train with DIR/val (or DIR/test), or one folder per class split by --val-split.", Required = true };
var recipeOpt = new Option<string?>("--recipe") { Description = "digits, vim-t, vim-s or vmamba-t (default vim-t): the official hyper-parameters, which the options below override." };
var epochsOpt = new Option<int?>("--epochs") { Description = "Epochs of the schedule." };
var lrOpt = new Option<double?>("--lr") { Description = "Learning rate per 512 images (scaled by batch/512, as the official scripts do)." };
var minLrOpt = new Option<double?>("--min-lr") { Description = "The cosine's floor." };
var warmupOpt2 = new Option<double?>("--warmup-epochs") { Description = "Warmup epochs." };
var wdOpt = new Option<double?>("--weight-decay") { Description = "AdamW weight decay (not on 1-D parameters, biases, pos_embed, cls tokens)." };
var dropPathOpt = new Option<double?>("--drop-path") { Description = "Stochastic depth rate." };
var mixupOpt = new Option<double?>("--mixup") { Description = "Mixup alpha (0: off)." };
var cutmixOpt = new Option<double?>("--cutmix") { Description = "CutMix alpha (0: off)." };
var smoothingOpt = new Option<double?>("--smoothing") { Description = "Label smoothing." };
var emaOpt = new Option<double?>("--ema") { Description = "EMA decay of the weights (0: off)." };
var clipOpt = new Option<double?>("--clip-grad") { Description = "Clip the gradients' global norm (0: off)." };
var seedOpt = new Option<int>("--seed") { Description = "Seed of the initialisation, order, augmentation and drop-path.", DefaultValueFactory = _ => 0 };
var outputOpt = new Option<string?>("--output", "-o") { Description = "Folder for checkpoints and the metrics log (default runs/MODEL)." };
var workersOpt = new Option<int?>("--workers") { Description = "Threads that read and augment images (default: the core count)." };
var valSplitOpt = new Option<double>("--val-split") { Description = "Validation fraction when --data has no train/val folders (0: none).", DefaultValueFactory = _ => 0.1 };
var trainBatch2 = new Option<int?>("--batch", "-b") { Description = "Images per optimizer step." };
var resumeOpt = new Option<string?>("--resume") { Description = "Continue the run whose checkpoint is this file (or FOLDER/checkpoint.pth) exactly where it stopped." };
var finetuneOpt = new Option<string?>("--finetune") { Description = "Start from these weights (.pth or .safetensors): a head of another size is dropped, pos_embed resized to the new grid." };
var linearProbeOpt = new Option<bool>("--linear-probe") { Description = "Train the classifier head only (everything else frozen)." };
var trainImgSizeOpt = new Option<int?>("--img-size") { Description = "Square input size (default: the model's); images are resized to it." };
var classesOpt = new Option<string?>("--classes") { Description = "Use these class folders only (comma-separated names), in the order of their names." };
var checkpointEveryOpt = new Option<string>("--checkpoint-every") { Description = "Also checkpoint inside epochs: N steps, or a time (30s, 10m, 2h), or 'epoch' for epoch ends only.", DefaultValueFactory = _ => "10m" };
var train = new Command("train", "Train a model on image folders with an official recipe; checkpoints, metrics log and plot go to --output.")
    { modelArg, dataOpt, recipeOpt, epochsOpt, trainBatch2, lrOpt, minLrOpt, warmupOpt2, wdOpt, dropPathOpt, mixupOpt, cutmixOpt, smoothingOpt, emaOpt, clipOpt,
      seedOpt, deviceOpt, outputOpt, threadsOpt, workersOpt, valSplitOpt, resumeOpt, finetuneOpt, entryOpt, linearProbeOpt, trainImgSizeOpt, classesOpt, checkpointEveryOpt };
train.SetAction(r => Cli.Guard(() => TrainCommand.Train(r.GetRequiredValue(modelArg), r.GetRequiredValue(dataOpt), new TrainOptions
{
    Recipe = r.GetValue(recipeOpt), Epochs = r.GetValue(epochsOpt), Batch = r.GetValue(trainBatch2), Lr = r.GetValue(lrOpt), MinLr = r.GetValue(minLrOpt),
    WarmupEpochs = r.GetValue(warmupOpt2), WeightDecay = r.GetValue(wdOpt), DropPath = r.GetValue(dropPathOpt), Mixup = r.GetValue(mixupOpt),
    Cutmix = r.GetValue(cutmixOpt), Smoothing = r.GetValue(smoothingOpt), Ema = r.GetValue(emaOpt), ClipGrad = r.GetValue(clipOpt), Seed = r.GetValue(seedOpt),
    Device = r.GetValue(deviceOpt) ?? "cpu", Output = r.GetValue(outputOpt), Threads = r.GetValue(threadsOpt), Workers = r.GetValue(workersOpt),
    ValSplit = r.GetValue(valSplitOpt), Resume = r.GetValue(resumeOpt), Finetune = r.GetValue(finetuneOpt), FinetuneEntry = r.GetValue(entryOpt) ?? "model", LinearProbe = r.GetValue(linearProbeOpt),
    ImgSize = r.GetValue(trainImgSizeOpt), Classes = r.GetValue(classesOpt), CheckpointEvery = r.GetValue(checkpointEveryOpt) ?? "10m",
})));

var evalCheckpoint = new Option<string>("--checkpoint", "-c") { Description = "The checkpoint to evaluate (.pth or .safetensors).", Required = true };
var evaluate = new Command("eval", "Top-1 and top-5 accuracy of a checkpoint on an image folder (DIR/val, DIR/test or DIR); a vim train checkpoint brings its classes and input size.")
    { modelArg, dataOpt, evalCheckpoint, entryOpt, workersOpt, trainImgSizeOpt, classesOpt };
evaluate.SetAction(r => Cli.Guard(() => TrainCommand.Eval(r.GetRequiredValue(modelArg), r.GetRequiredValue(dataOpt), r.GetRequiredValue(evalCheckpoint), r.GetValue(workersOpt),
    r.GetValue(trainImgSizeOpt), r.GetValue(classesOpt), r.GetValue(entryOpt) ?? "model")));

var onnxOutOpt = new Option<string>("--out", "-o") { Description = "The .onnx file to write.", Required = true };
var opsetOpt = new Option<int>("--opset") { Description = "ONNX operator set, 17 to 21.", DefaultValueFactory = _ => 17 };
var staticBatchOpt = new Option<bool>("--static-batch") { Description = "Batch 1 fixed in the graph (default: a symbolic batch dimension)." };
var export = new Command("export", "Export a model to ONNX (the selective scans as ONNX Scan loops; weights embedded under their official keys).")
    { modelArg, checkpointOpt, entryOpt, onnxOutOpt, opsetOpt, staticBatchOpt };
export.SetAction(r => Cli.Guard(() => OnnxCommands.Export(r.GetRequiredValue(modelArg), r.GetValue(checkpointOpt), r.GetValue(entryOpt) ?? "model",
    r.GetRequiredValue(onnxOutOpt), r.GetValue(opsetOpt), r.GetValue(staticBatchOpt))));

var onnxRoundsOpt = new Option<int>("--rounds") { Description = "Timed rounds, each one pass of ours then one of ONNX Runtime.", DefaultValueFactory = _ => 10 };
var benchOnnx = new Command("bench-onnx", "Export a model to ONNX and time ONNX Runtime (CPU) against our forward, interleaved, in one process.")
    { modelArg, batchOpt, onnxRoundsOpt, threadsOpt };
benchOnnx.SetAction(r => Cli.Guard(() => OnnxCommands.Bench(r.GetRequiredValue(modelArg), r.GetValue(batchOpt), r.GetValue(onnxRoundsOpt), r.GetValue(threadsOpt))));

var root = new RootCommand("vim: classify, benchmark and train Vision Mamba models (Vim, VMamba) with the official numbers. " +
    "Inference runs on the CPU or an NVIDIA GPU (--device cuda, with libvimkernels.so); training runs on the CPU; every model exports to ONNX. " +
    "With no command, runs the digits demo.") { list, info, run, bench, benchTrain, train, evaluate, export, benchOnnx };
root.SetAction(_ => Cli.Guard(Commands.Demo));

return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
