#: What clip.load does on a GPU, run here on a CPU copy: convert_weights turns most tensors to fp16.
#: weight-dependent: unchanged_fraction, stdout
#: records: half, full, half_values, full_values, probe=name, unchanged_fraction=unchanged
clip.model.convert_weights(model)  # what build_model does; clip.load keeps it on a GPU (on the CPU it calls .float())
dtypes = {name: str(param.dtype).removeprefix("torch.") for name, param in model.named_parameters()}
half = [name for name, dtype in dtypes.items() if dtype == "float16"]
full = [name for name, dtype in dtypes.items() if dtype == "float32"]
values = {dtype: sum(p.numel() for n, p in model.named_parameters() if dtypes[n] == dtype) for dtype in set(dtypes.values())}
print(f"float16: {len(half)} tensors ({values.get('float16', 0):,} values); "
      f"float32: {len(full)} tensors ({values.get('float32', 0):,} values)")
print("still float32, for example:", full[:6], "..." if len(full) > 6 else "")

# why training then needs fp32 master weights: a small update vanishes when it is added in fp16
name = half[0] if half else full[0]
weight = dict(model.named_parameters())[name].detach()
update = torch.full_like(weight, 1e-5)  # the size of one fine-tuning step
unchanged = (weight + update == weight).float().mean().item()
print(f"{name} + 1e-5 in {weight.dtype}: {unchanged:.1%} of its entries do not change")
half_values, full_values = values.get("float16", 0), values.get("float32", 0)
