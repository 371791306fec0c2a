#: The image tower of a modified ResNet, one stage at a time.
visual = model.visual
with torch.no_grad():
    pixels = step("preprocess(image)", preprocess(image).unsqueeze(0))  # [N, 3, H, W]
    x = step("stem conv1, bn1, relu1 (stride 2)", visual.relu1(visual.bn1(visual.conv1(pixels))), "visual.conv1")
    x = step("stem conv2, bn2, relu2", visual.relu2(visual.bn2(visual.conv2(x))), "visual.conv2")
    x = step("stem conv3, bn3, relu3", visual.relu3(visual.bn3(visual.conv3(x))), "visual.conv3")
    x = step("stem avgpool", visual.avgpool(x), "visual.avgpool")
    x = step("layer1", visual.layer1(x), "visual.layer1")
    x = step("layer2", visual.layer2(x), "visual.layer2")
    x = step("layer3", visual.layer3(x), "visual.layer3")
    x = step("layer4", visual.layer4(x), "visual.layer4")  # [N, C, grid, grid]
    # what visual.attnpool(x) does, written out
    pool = visual.attnpool
    t = step("flatten the grid, NCHW -> (HW)NC", x.flatten(start_dim=2).permute(2, 0, 1))
    t = step("prepend the mean as the query token", torch.cat([t.mean(dim=0, keepdim=True), t], dim=0))
    t = step("add attnpool.positional_embedding", t + pool.positional_embedding[:, None, :], "visual.attnpool.positional_embedding")
    x, _ = torch.nn.functional.multi_head_attention_forward(
        query=t[:1], key=t, value=t, embed_dim_to_check=t.shape[-1], num_heads=pool.num_heads,
        q_proj_weight=pool.q_proj.weight, k_proj_weight=pool.k_proj.weight, v_proj_weight=pool.v_proj.weight,
        in_proj_weight=None, in_proj_bias=torch.cat([pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]),
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=pool.c_proj.weight, out_proj_bias=pool.c_proj.bias,
        use_separate_proj_weight=True, training=False, need_weights=False)
    x = step("attention: the mean token queries all, then c_proj", x, "visual.attnpool")  # one query -> one output
    x = step("drop the query axis", x.squeeze(0))
    # the encoder returns x; CLIP.forward then scales both embeddings to unit length
    features = step("divide by the L2 norm (CLIP.forward)", x / x.norm(dim=-1, keepdim=True))

    reference = model.encode_image(pixels)
    reference = reference / reference.norm(dim=-1, keepdim=True)
same = torch.allclose(features, reference, atol=1e-5)
print("same as model.encode_image:", same)
result["matches_encode"] = same
result["norm"] = features.norm(dim=-1).tolist()
