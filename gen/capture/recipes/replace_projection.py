#: Swap visual.proj for a fresh, narrower matrix (a common first step when fine-tuning a new head).
width = model.visual.proj.shape[0]      # rows: the image transformer's width (x @ proj)
torch.manual_seed(0)
model.visual.proj = nn.Parameter(torch.randn(width, replacement_width) * 0.02)
print("new visual.proj", tuple(model.visual.proj.shape))
print(model.visual.proj)
result["shape"] = list(model.visual.proj.shape)
result["count"] = model.visual.proj.numel()
result["name"] = "visual.proj"
