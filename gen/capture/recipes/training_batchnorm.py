#: train() against eval() with the image tower frozen: do batch norm running statistics still move?
#: weight-dependent: max_change, stdout
#: records: norms=norm_count, buffers=buffer_count, moved_train, moved_eval, max_change
for param in model.visual.parameters():
    param.requires_grad = False
norms = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
print(f"{len(norms)} batch norm layers; buffers in the model: {[name for name, _ in model.named_buffers()][:4]}"
      f"{' ...' if len(list(model.buffers())) > 4 else ''}")
image_in = preprocess(image).unsqueeze(0)  # one image is enough: a batch norm's statistics span N x H x W


def moved_after_forward():  # names of batch norms whose running mean or variance changed in one forward pass
    if not norms:
        return [], 0.0  # nothing keeps running statistics: no forward pass needed to know none move
    before = {name: (m.running_mean.clone(), m.running_var.clone()) for name, m in norms}
    with torch.no_grad():
        model.encode_image(image_in)
    changes = {name: max((m.running_mean - before[name][0]).abs().max().item(),
                         (m.running_var - before[name][1]).abs().max().item()) for name, m in norms}
    return [name for name in changes if changes[name] > 0], max(changes.values(), default=0.0)


model.train()
for module in model.visual.modules():  # the fix: frozen batch norms back to eval() after every model.train()
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        module.eval()
moved_eval, _ = moved_after_forward()
print(f"train(), then frozen batch norms in eval(): {len(moved_eval)} of {len(norms)} changed")

model.train()  # what a training loop calls first, and all it calls
moved_train, max_change = moved_after_forward()
print(f"train() alone: {len(moved_train)} of {len(norms)} batch norms changed their running statistics "
      f"(largest change {max_change:.3e}), although no parameter of the tower can train")
norm_count, buffer_count = len(norms), len(list(model.buffers()))
