#: Swap visual.proj for a fresh, narrower matrix (a common first step when fine-tuning a new head).
#: records: name, shape, count
width = model.visual.proj.shape[0]      # rows: the image transformer's width (x @ proj)
torch.manual_seed(0)
model.visual.proj = nn.Parameter(torch.randn(width, replacement_width) * 0.02)
name, shape, count = "visual.proj", model.visual.proj.shape, model.visual.proj.numel()
print("new", name, tuple(shape))
print(model.visual.proj)
