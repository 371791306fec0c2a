#: The usual mistake when replacing the projection: a matrix of the transposed shape. It fails at once.
#: records: wrong_shape, needed_shape, name, error
width = model.visual.proj.shape[0]      # x @ proj: rows must match the image transformer's width
original = model.visual.proj
wrong = nn.Parameter(torch.randn(replacement_width, width) * 0.02)   # [out, in], as nn.Linear stores it
name, wrong_shape, needed_shape = "visual.proj", wrong.shape, (width, replacement_width)
print("wrong", name, tuple(wrong_shape), "  needed", needed_shape)
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
