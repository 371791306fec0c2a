#: The usual mistake when replacing the projection: nn.Linear's two widths swapped. It fails at once.
#: records: wrong_shape, needed_shape, name, error
pool = model.visual.attnpool
original = pool.c_proj
wrong = nn.Linear(replacement_width, original.in_features)   # (out, in) instead of (in, out)
print("wrong visual.attnpool.c_proj:", wrong, "  needed", nn.Linear(original.in_features, replacement_width))
error = None
try:
    pool.c_proj = wrong
    with torch.no_grad():
        model.encode_image(preprocess(image).unsqueeze(0))
except RuntimeError as err:
    error = str(err)
    print("model.encode_image fails:", error)
finally:
    pool.c_proj = original              # put the real projection back
name = "visual.attnpool.c_proj"
wrong_shape = (wrong.in_features, wrong.out_features)            # as applied: [in, out]
needed_shape = (original.in_features, replacement_width)
