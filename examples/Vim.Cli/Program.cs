using System.CommandLine;
using Vim.Cli;

Cli.ConfigureConsole();

var modelArg = new Argument<string>("model") { Description = "Model name or alias (see 'vim list')." };
var patternArg = new Argument<string>("pattern") { Description = "Name pattern with * and ? wildcards.", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "*" };
var imageOpt = new Option<string>("--image", "-i") { Description = "Image file (PNG or PPM/PGM).", Required = true };
var checkpointOpt = new Option<string?>("--checkpoint", "-c") { Description = "Checkpoint (.pth or .safetensors); without it the model has fresh random weights (the digits model uses its shipped checkpoint)." };
var deviceOpt = new Option<string>("--device", "-d") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
var batchOpt = new Option<int>("--batch", "-b") { Description = "Images per forward pass.", DefaultValueFactory = _ => 1 };
var iterationsOpt = new Option<int>("--iterations", "-n") { Description = "Timed forward passes.", DefaultValueFactory = _ => 10 };
var warmupOpt = new Option<int>("--warmup") { Description = "Untimed forward passes first.", DefaultValueFactory = _ => 1 };
var threadsOpt = new Option<int?>("--threads", "-t") { Description = "Most threads per CPU kernel (default: all cores)." };

var list = new Command("list", "List the registered models.") { patternArg };
list.SetAction(r => Cli.Guard(() => Commands.List(r.GetValue(patternArg) ?? "*")));

var info = new Command("info", "Parameters, FLOPs per image and tensor shapes per step of a model.") { modelArg };
info.SetAction(r => Cli.Guard(() => Commands.Info(r.GetRequiredValue(modelArg))));

var run = new Command("run", "Classify an image: top-5 classes with softmax probabilities.") { modelArg, imageOpt, checkpointOpt, deviceOpt };
run.SetAction(r => Cli.Guard(() => Commands.Run(r.GetRequiredValue(modelArg), r.GetRequiredValue(imageOpt), r.GetValue(checkpointOpt), r.GetValue(deviceOpt) ?? "cpu")));

var bench = new Command("bench", "Time forward passes on random normalised input.") { modelArg, deviceOpt, batchOpt, iterationsOpt, warmupOpt, threadsOpt };
bench.SetAction(r => Cli.Guard(() => Commands.Bench(r.GetRequiredValue(modelArg), r.GetValue(deviceOpt) ?? "cpu",
    r.GetValue(batchOpt), r.GetValue(iterationsOpt), r.GetValue(warmupOpt), r.GetValue(threadsOpt))));

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

var root = new RootCommand("vim: Vision Mamba models on the CPU. With no command, runs the digits demo.") { list, info, run, bench, benchTrain };
root.SetAction(_ => Cli.Guard(Commands.Demo));

return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
