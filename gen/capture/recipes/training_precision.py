#: What clip.load does on a GPU, run here on a copy: convert_weights turns most tensors to fp16.
#: weight-dependent: unchanged_fraction, stdout
#: records: half, full, half_values, full_values, probe=name, unchanged_fraction=unchanged
values = {name: param.detach() for name, param in model.named_parameters()}  # kept aside for the probe below
model.to("meta")  # convert_weights changes dtypes only: run it on tensors that have a shape and a dtype, no values
clip.model.convert_weights(model)  # what build_model does; clip.load keeps it on a GPU (on the CPU it calls .float())
dtypes = {name: param.dtype for name, param in model.named_parameters()}
half = [name for name, dtype in dtypes.items() if dtype == torch.float16]
full = [name for name, dtype in dtypes.items() if dtype == torch.float32]
counts = {name: param.numel() for name, param in model.named_parameters()}
half_values, full_values = sum(counts[n] for n in half), sum(counts[n] for n in full)
print(f"float16: {len(half)} tensors ({half_values:,} values); float32: {len(full)} tensors ({full_values:,} values)")
print("still float32, for example:", full[:6], "..." if len(full) > 6 else "")

# why training then needs fp32 master weights: a small update vanishes when it is added in fp16
name = half[0] if half else full[0]
weight = values[name].to(dtypes[name])  # the real values, in the type convert_weights gives them
update = torch.full_like(weight, 1e-5)  # the size of one fine-tuning step
unchanged = (weight + update == weight).float().mean().item()
print(f"{name} + 1e-5 in {weight.dtype}: {unchanged:.1%} of its entries do not change")
