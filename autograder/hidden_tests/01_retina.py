"""Hidden tests of lesson 01 (retina): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit import retina
from neurokit.checks import assert_close

from . import LessonTests

tests = LessonTests("01_retina", redact={"neurokit.retina": ["difference_of_gaussians", "Retina", "size_tuning"]}, context=("setup", "imports"))


def conv_layer(kernels):
    layer = torch.nn.Conv2d(1, len(kernels), kernels.shape[-1], padding=kernels.shape[-1] // 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(kernels[:, None])
    return layer


@tests.check("dog-tests")
def difference_of_gaussians(student):
    for size, centre, surround in [(3, 0.5, 1.0), (7, 1.2, 2.5), (9, 0.8, 3.0), (1, 0.5, 1.0)]:
        got = student.call("difference_of_gaussians", size, centre, surround)
        assert_close(got, retina.difference_of_gaussians(size, centre, surround), f"difference_of_gaussians({size}, {centre}, {surround})")


@tests.check("filter-tests")
def filter_images(student):
    generator = torch.Generator().manual_seed(5)
    for count, channels, size, side in [(4, 3, 3, 12), (2, 5, 7, 20), (1, 1, 1, 4)]:
        images = torch.randn(count, 1, side, side, generator=generator)
        kernels = torch.randn(channels, size, size, generator=generator)
        got = student.call("filter_images", images, kernels)
        with torch.no_grad():
            expected = conv_layer(kernels)(images)
        assert_close(got, expected, f"filter_images of {count} random images with {channels} random {size} x {size} kernels",
                     hint="PyTorch's conv2d does not flip the kernel; pass it unchanged.")


@tests.check("response-tests", stand_in=("filter-exercise",))
def retina_response(student):
    generator = torch.Generator().manual_seed(14)
    for count, channels, size, side in [(3, 4, 5, 28), (2, 2, 3, 10)]:
        images = torch.randn(count, 1, side, side, generator=generator)
        kernels = torch.randn(channels, size, size, generator=generator)
        got = student.call("retina_response", images, kernels)
        with torch.no_grad():
            expected = torch.nn.functional.max_pool2d(torch.relu(conv_layer(kernels)(images)), 2)
        assert_close(got, expected, f"retina_response of {count} random images with {channels} random {size} x {size} kernels")


@tests.check("size-tests")
def size_tuning(student):
    generator = torch.Generator().manual_seed(53)
    cases = [(torch.randn(9, 9, generator=generator), [0.4, 1.0, 2.0, 3.7, 4.0, 6.1, 8.0, 13.5]),
             (torch.arange(49.0).view(7, 7) - 20.0, [1.5, 2.0, 2.5, 4.0, 5.2, 9.9]),
             (retina.difference_of_gaussians(11, 1.3, 2.6), [1.0, 3.0, 5.0, 7.0, 9.0, 16.0]),
             (torch.tensor([[-1.5]]), [0.2, 3.0]),
             (torch.randn(3, 3, generator=generator), [2.0, 2.2, 2.9])]
    for kernel, diameters in cases:
        diameters = torch.tensor(diameters)
        got = student.call("size_tuning", kernel, diameters)
        what = f"size_tuning of a {kernel.shape[0]} x {kernel.shape[1]} kernel at diameters {[round(float(d), 2) for d in diameters]}"
        assert_close(got, retina.size_tuning(kernel, diameters), what,
                     hint="Light the pixels at most half a diameter from the middle pixel and sum the kernel's weights there.")
