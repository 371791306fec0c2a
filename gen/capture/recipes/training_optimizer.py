#: One AdamW step: weight decay on weight matrices only; gains, biases and logit_scale left out.
#: writes weights in place
#: weight-dependent: changes, logit_scale_before, logit_scale_after, logit_scale_clamped, stdout
#: records: decay, no_decay, changes, logit_scale_before, logit_scale_after, logit_scale_clamped, cap, forward_clamps, lr, weight_decay
import inspect
import math

trainable = [(name, param) for name, param in model.named_parameters() if param.requires_grad]
no_decay = [name for name, param in trainable if param.ndim < 2 or name == "logit_scale"]  # gains, biases, scale
decay = [name for name, param in trainable if name not in no_decay]
params = dict(trainable)
lr, weight_decay = 1e-5, 0.2
optimizer = torch.optim.AdamW([
    {"params": [params[n] for n in decay], "weight_decay": weight_decay},
    {"params": [params[n] for n in no_decay], "weight_decay": 0.0},
], lr=lr, betas=(0.9, 0.98), eps=1e-6)
print(f"group 0: {len(decay)} tensors with weight decay {weight_decay}; group 1: {len(no_decay)} without")
print("without weight decay, for example:", no_decay[:4], "..." if len(no_decay) > 4 else "")

before = {name: param.detach().clone() for name, param in trainable}  # the tensors the optimiser holds
versions = {name: param._version for name, param in model.named_parameters()}  # torch counts in-place writes
logit_scale_before = model.logit_scale.item()
optimizer.step()
optimizer.zero_grad()
logit_scale_after = model.logit_scale.item()
cap = math.log(100)
with torch.no_grad():
    model.logit_scale.clamp_(0, cap)  # what training code does after each step; CLIP.forward does not
logit_scale_clamped = model.logit_scale.item()
print(f"logit_scale: {logit_scale_before:.6f} -> {logit_scale_after:.6f} -> clamped to [0, ln 100]: "
      f"{logit_scale_clamped:.6f}")

changes = []
for name, param in model.named_parameters():
    group = "decay" if name in decay else "no decay" if name in no_decay else "frozen"
    if name not in before:  # frozen: not in the optimiser; any write to it in place would show in its version
        changes.append({"name": name, "group": group, "changed": param._version != versions[name], "relative": None})
        continue
    delta, size = (param.detach() - before[name]).norm().item(), before[name].norm().item()
    changes.append({"name": name, "group": group, "changed": not torch.equal(param.detach(), before[name]),
                    "relative": delta / size if size else None})  # none for a tensor that was all zeros
print(sum(c["changed"] for c in changes), "tensors changed,", sum(not c["changed"] for c in changes), "did not")
forward_clamps = "clamp" in inspect.getsource(type(model).forward)
print("CLIP.forward clamps logit_scale:", forward_clamps)
