#: The image encoder as torch prints it.
print(model.visual)
