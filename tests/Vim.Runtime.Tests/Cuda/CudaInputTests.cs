using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>Wrong inputs to a model on the GPU: a typed error naming the devices, and the model stays usable.</summary>
[Collection(CudaCollection.Name)]
public class CudaInputTests
{
    [Fact]
    public void InputOnTheCpu_ForAModelOnTheGpu_IsATypedErrorAndTheModelStaysUsable()
    {
        var backend = CudaTestSupport.Require();
        var model = Models.Create("vim_digits_patch8_32").To(backend.Device);
        using var onCpu = Tensor.Zeros(1, 3, 32, 32);
        var error = Assert.Throws<ModelInputException>(() => model.Forward(onCpu));
        Assert.Contains("the input is on cpu but the model is on cuda:0", error.Message);
        Assert.Contains("(B, 3, 32, 32)", Assert.Throws<ModelInputException>(() => model.Forward(Tensor.Zeros(new Shape(1, 3, 28, 28), backend.Device))).Message);
        using var onGpu = onCpu.To(backend.Device);
        using var logits = model.Forward(onGpu);
        Assert.Equal(new Shape(1, 10), logits.Shape);
    }
}
