#: Swap the attention pool's output projection for a fresh, narrower one.
old = model.visual.attnpool.c_proj
torch.manual_seed(0)
model.visual.attnpool.c_proj = nn.Linear(old.in_features, replacement_width)
print("new visual.attnpool.c_proj:", model.visual.attnpool.c_proj)
print(model.visual.attnpool.c_proj.weight)
result["shape"] = [old.in_features, replacement_width]
result["count"] = sum(p.numel() for p in model.visual.attnpool.c_proj.parameters())
result["name"] = "visual.attnpool.c_proj"
