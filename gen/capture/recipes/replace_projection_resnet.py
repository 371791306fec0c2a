#: Swap the attention pool's output projection for a fresh, narrower one.
#: records: name, shape, count
old = model.visual.attnpool.c_proj
torch.manual_seed(0)
model.visual.attnpool.c_proj = nn.Linear(old.in_features, replacement_width)
print("new visual.attnpool.c_proj:", model.visual.attnpool.c_proj)
print(model.visual.attnpool.c_proj.weight)
name, shape = "visual.attnpool.c_proj", (old.in_features, replacement_width)   # as applied: [in, out]
count = sum(p.numel() for p in model.visual.attnpool.c_proj.parameters())
