#: The usual mistake when replacing the projection: a matrix of the transposed shape. It fails at once.
width = model.visual.proj.shape[0]      # x @ proj: rows must match the image transformer's width
original = model.visual.proj
wrong = nn.Parameter(torch.randn(replacement_width, width) * 0.02)   # [out, in], as nn.Linear stores it
print("wrong visual.proj", tuple(wrong.shape), "  needed", (width, replacement_width))
error = None
try:
    model.visual.proj = wrong
    with torch.no_grad():
        model.encode_image(preprocess(image).unsqueeze(0))
except RuntimeError as err:
    error = str(err)
    print("model.encode_image fails:", error)
finally:
    model.visual.proj = original        # put the real projection back
result["wrong_shape"] = list(wrong.shape)
result["needed_shape"] = [width, replacement_width]
result["name"] = "visual.proj"
result["error"] = error
