#: The whole model as torch prints it.
print(model)
