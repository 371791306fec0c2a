#: One forward and backward pass on the sample batch with CLIP's symmetric cross-entropy.
#: weight-dependent: logits, loss, loss_image, loss_text, stdout
#: records: logits=logits_per_image, loss, loss_image, loss_text
import torch.nn.functional as F

model.train()
for module in model.modules():  # what is frozen runs as at inference: frozen batch norms keep their statistics
    params = list(module.parameters())
    if params and not any(p.requires_grad for p in params):
        module.eval()

images_in = torch.stack([preprocess(picture) for picture in batch_images])  # [N, 3, H, W]
texts_in = clip.tokenize(captions)  # [N, context]: caption i belongs to image i
logits_per_image, logits_per_text = model(images_in, texts_in)  # [N, N] each, one the other's transpose

# the paper's pseudo-code: labels = np.arange(n); loss = (CE(logits, labels, axis=0) + CE(..., axis=1)) / 2
labels = torch.arange(len(captions))
loss_image = F.cross_entropy(logits_per_image, labels)  # each image picks its caption among the N
loss_text = F.cross_entropy(logits_per_text, labels)  # each caption picks its image among the N
loss = (loss_image + loss_text) / 2
loss.backward()
print("logits_per_image", tuple(logits_per_image.shape))
print(logits_per_image.detach())
print(f"loss = ({loss_image.item():.4f} + {loss_text.item():.4f}) / 2 = {loss.item():.4f}")
