"""GPU benchmark: onnxjit's TritonExecutionProvider against torch eager and torch.compile.

    python3 benchmarks/gpu_bench.py [--budget-s 400] [--reps 20] [--tf32] [--smoke]

Models (exported to ONNX here, at run time): a BERT-base-sized encoder (12 layers, d=768, 12 heads,
d_ff=3072, sequence 128, batch 1 and 8; benchmarks/torch_models.export_encoder) and a ResNet-50-sized
CNN (bottleneck blocks 3-4-6-3, 224x224; defined below: torchvision is not a dependency).

Every timing is the median of `--reps` runs after warm-up, numpy in and numpy out on every side
(onnxjit's `run()` copies feeds to the GPU and results back; torch is timed the same way), float32
with IEEE matmuls everywhere unless --tf32. The first onnxjit run compiles its Triton kernels; that
time is reported apart. `--smoke` runs tiny models on the CPU (Triton interpreter, torch eager) to
check the script itself on a machine without a GPU.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build_resnet(layers=(3, 4, 6, 3), width=64, classes=1000):
    """ResNet-50's shape: a 7x7/2 stem, max pool, bottleneck stages (expansion 4), global pool, FC."""
    import torch
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, cin: int, mid: int, stride: int):
            super().__init__()
            cout = mid * 4
            self.conv1, self.bn1 = nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid)
            self.conv2, self.bn2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False), nn.BatchNorm2d(mid)
            self.conv3, self.bn3 = nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.bn1(self.conv1(x)))
            y = torch.relu(self.bn2(self.conv2(y)))
            y = self.bn3(self.conv3(y))
            return torch.relu(y + (x if self.down is None else self.down(x)))

    blocks: list = [nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = width
    for stage, n in enumerate(layers):
        mid = width * 2 ** stage
        for i in range(n):
            blocks.append(Bottleneck(cin, mid, 2 if (i == 0 and stage > 0) else 1))
            cin = mid * 4
    blocks += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    net = nn.Sequential(*blocks).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics (folded into the convs at compile time)
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return net


def export(module, example, path: Path, dynamic_axes: dict) -> Path:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), dynamo=False, opset_version=17, input_names=["x"],
                          output_names=["y"], dynamic_axes=dynamic_axes)
    return path


def models(tmp: Path, smoke: bool) -> list[tuple[str, object, Path, list[tuple[int, ...]]]]:
    """(name, torch module, onnx path, input shapes)."""
    import torch
    from torch import nn

    from benchmarks.torch_models import EncoderLayer, export_encoder

    d, heads, d_ff, layers, seq = (32, 4, 64, 1, 8) if smoke else (768, 12, 3072, 12, 128)
    enc_path = export_encoder(tmp / "encoder.onnx", d_model=d, heads=heads, d_ff=d_ff, layers=layers, seed=0)
    torch.manual_seed(0)  # the same construction as export_encoder: the same weights
    encoder = nn.Sequential(*[EncoderLayer(d, heads, d_ff) for _ in range(layers)]).eval()
    torch.manual_seed(0)
    resnet = build_resnet((1, 1, 1, 1), 8, 10) if smoke else build_resnet()
    size = 32 if smoke else 224
    cnn_path = export(resnet, torch.randn(1, 3, size, size), tmp / "resnet.onnx", {"x": {0: "batch"}, "y": {0: "batch"}})
    return [(f"encoder d={d} L={layers}", encoder, enc_path, [(1, seq, d), (8, seq, d)]),
            ("resnet50-like" if not smoke else "resnet-tiny", resnet, cnn_path, [(1, 3, size, size), (8, 3, size, size)])]


def median_ms(fn, warmup: int, reps: int, sync) -> float:
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget-s", type=float, default=400, help="skip torch.compile runs that would overrun this")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--tf32", action="store_true", help="TF32 matmuls/convs on every side (default: IEEE float32)")
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    ap.add_argument("--smoke", action="store_true", help="tiny models on the CPU (Triton interpreter): checks the script")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    if args.smoke:
        os.environ["TRITON_INTERPRET"] = "1"
        args.reps, args.warmup = min(args.reps, 2), 1
    import torch

    import onnxjit

    device = "cpu" if args.smoke else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("no CUDA GPU: run with --smoke to check the script on the CPU")
        return 2
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    name = torch.cuda.get_device_name(0) if device == "cuda" else "cpu (Triton interpreter)"
    print(f"device: {name}; torch {torch.__version__}; precision: {'tf32' if args.tf32 else 'ieee fp32'}; "
          f"median of {args.reps} runs, numpy in/out on every side; CUDA graphs: not implemented (no column)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, module, path, shapes in models(Path(tmp), args.smoke):
            if args.budget_s - (time.perf_counter() - t_start) < 60:
                print(f"\n{label}: skipped (time budget spent)")
                continue
            module = module.to(device)
            t0 = time.perf_counter()
            sess = onnxjit.InferenceSession(str(path), providers=[("TritonExecutionProvider", {"allow_tf32": args.tf32})])
            create_s = time.perf_counter() - t0
            ex = sess.executable
            print(f"\n{label}: {len(ex.plan.kernel_steps)} kernel steps, {len(ex.module_info.kernels)} kernels, "
                  f"{len(ex.plan.host_steps)} host steps; session {create_s:.1f} s")
            compiled: dict = {}
            for shape in shapes:
                x = np.random.RandomState(0).randn(*shape).astype(np.float32)
                t0 = time.perf_counter()
                (y,) = sess.run(None, {"x": x})
                first_s = time.perf_counter() - t0
                ours = median_ms(lambda s=sess, x=x: s.run(None, {"x": x}), args.warmup, args.reps, sync)
                # device-resident: input and output bound to device buffers (IOBinding), no host copies
                xd = torch.from_numpy(x).to(device)
                yd = torch.empty(y.shape, dtype=torch.float32, device=device)
                io = sess.io_binding()
                io.bind_input("x", "cuda", 0, np.float32, tuple(xd.shape), xd.data_ptr())
                io.bind_output("y", "cuda", 0, np.float32, tuple(yd.shape), yd.data_ptr())
                ours_dev = median_ms(lambda s=sess, io=io: s.run_with_iobinding(io), args.warmup, args.reps, sync)

                def torch_run(fn, x=x):
                    def go():
                        with torch.no_grad():
                            return fn(torch.from_numpy(x).to(device)).cpu().numpy()
                    return go

                with torch.no_grad():
                    ref = module(torch.from_numpy(x).to(device)).cpu().numpy()
                eager = median_ms(torch_run(module), args.warmup, args.reps, sync)
                with torch.no_grad():
                    eager_dev = median_ms(lambda m=module, xd=xd: m(xd), args.warmup, args.reps, sync)
                comp, comp_s = float("nan"), float("nan")
                left = args.budget_s - (time.perf_counter() - t_start)
                if args.no_compile or args.smoke:
                    note = "skipped"
                elif left < 90:
                    note = f"skipped: {left:.0f} s of the budget left"
                else:
                    fn = compiled.setdefault(label, torch.compile(module))
                    t0 = time.perf_counter()
                    torch_run(fn)()
                    comp_s = time.perf_counter() - t0
                    comp = median_ms(torch_run(fn), args.warmup, args.reps, sync)
                    note = f"compile {comp_s:.0f} s"
                err = float(np.max(np.abs(y - ref)) / max(1e-6, float(np.max(np.abs(ref)))))
                rows.append((label, shape[0], ours, eager, comp, first_s, err, ours_dev, eager_dev))
                print(f"  batch {shape[0]}: triton {ours:.2f} ms (first run {first_s:.1f} s, device-resident "
                      f"{ours_dev:.2f} ms), eager {eager:.2f} ms (device-resident {eager_dev:.2f} ms), "
                      f"torch.compile {comp:.2f} ms ({note}); max |diff| / max |ref| = {err:.1e}", flush=True)
            sess = None  # frees the device buffers before the next model
            module.cpu()
    print("\nnumpy in/out (every side copies the input to the device and the result back):")
    print("| model | batch | onnxjit triton ms | torch eager ms | torch.compile ms | triton/eager | triton/compile "
          "| first run s | rel. error |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, batch, ours, eager, comp, first_s, err, _, _ in rows:
        print(f"| {label} | {batch} | {ours:.2f} | {eager:.2f} | {comp:.2f} | {ours / eager:.2f} | {ours / comp:.2f} "
              f"| {first_s:.1f} | {err:.1e} |")
    print("\ndevice-resident (onnxjit: IOBinding with device buffers; torch: a tensor already on the device):")
    print("| model | batch | onnxjit triton ms | torch eager ms | triton/eager |")
    print("|---|---|---|---|---|")
    for label, batch, _, _, _, _, _, ours_dev, eager_dev in rows:
        print(f"| {label} | {batch} | {ours_dev:.2f} | {eager_dev:.2f} | {ours_dev / eager_dev:.2f} |")
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
