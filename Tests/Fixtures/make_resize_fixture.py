#!/usr/bin/env python3
"""Makes resize_antialiased.*: torchvision's resize (bilinear, antialias=True), which
BiDense-DPT applies to inputs whose sides are not multiples of 28. PyTorch's antialiased
bilinear kernel is a port of Pillow's resampling, so Pillow's BILINEAR resize of float ("F")
images serves as the reference here, channel by channel (no PyTorch needed).

usage: make_resize_fixture.py OUT_DIR
"""
import json, sys
import numpy as np
from PIL import Image

out = sys.argv[1]
rng = np.random.default_rng(2024)
h, w, oh, ow = 61, 45, 56, 28  # DPT: 2*(61//28)*14 = 56, 2*(45//28)*14 = 28
x = rng.standard_normal((1, 3, h, w)).astype(np.float32)
y = np.stack([np.asarray(Image.fromarray(x[0, c], mode="F").resize((ow, oh), Image.BILINEAR))
              for c in range(3)])[None].astype(np.float32)
x.astype("<f4").tofile(f"{out}/resize_antialiased.input.f32")
y.astype("<f4").tofile(f"{out}/resize_antialiased.output.f32")
with open(f"{out}/resize_antialiased.safetensors", "wb") as f:  # no parameters
    f.write((8).to_bytes(8, "little") + b"{}      ")
meta = {"name": "resize_antialiased", "module": "Resize",
        "constructor": {"size": [oh, ow], "interpolation": "bilinear", "antialias": True},
        "inputs": [list(x.shape)], "outputs": [list(y.shape)], "parameters": {}, "seed": 2024}
with open(f"{out}/resize_antialiased.json", "w") as f:
    json.dump(meta, f, indent=1)
