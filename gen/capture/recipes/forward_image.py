#: The image tower of a Vision Transformer, one operation at a time.
visual = model.visual
with torch.no_grad():
    pixels = step("preprocess(image)", preprocess(image).unsqueeze(0))  # [N, 3, H, W]
    x = step("conv1: patch embedding", visual.conv1(pixels), "visual.conv1")  # [N, width, grid, grid]
    x = step("flatten the patch grid", x.reshape(x.shape[0], x.shape[1], -1))  # [N, width, grid**2]
    x = step("permute to one token per patch", x.permute(0, 2, 1))  # [N, grid**2, width]
    cls = visual.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1])
    x = step("prepend class_embedding", torch.cat([cls, x], dim=1), "visual.class_embedding")  # [N, grid**2 + 1, width]
    x = step("add positional_embedding", x + visual.positional_embedding, "visual.positional_embedding")
    x = step("ln_pre", visual.ln_pre(x), "visual.ln_pre")
    x = step("permute NLD -> LND", x.permute(1, 0, 2))
    x = step("transformer: all resblocks", visual.transformer(x), "visual.transformer")
    x = step("permute LND -> NLD", x.permute(1, 0, 2))
    x = step("ln_post on the class token", visual.ln_post(x[:, 0, :]), "visual.ln_post")
    x = step("@ visual.proj", x @ visual.proj, "visual.proj")
    # the encoder returns x; CLIP.forward then scales both embeddings to unit length
    features = step("divide by the L2 norm (CLIP.forward)", x / x.norm(dim=-1, keepdim=True))

    reference = model.encode_image(pixels)
    reference = reference / reference.norm(dim=-1, keepdim=True)
same = torch.allclose(features, reference, atol=1e-5)
print("same as model.encode_image:", same)
result["matches_encode"] = same
result["norm"] = features.norm(dim=-1).tolist()
