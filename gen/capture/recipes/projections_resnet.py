#: The two projections into the shared space, and the learned temperature.
#: weight-dependent: logit_scale, logit_scale_exp, stdout
c_proj = model.visual.attnpool.c_proj
print("visual.attnpool.c_proj:", c_proj)
print("weight", tuple(c_proj.weight.shape))
print(c_proj.weight)
print("\ntext_projection", tuple(model.text_projection.shape))
print(model.text_projection)
print("\nlogit_scale:", model.logit_scale)
print("logit_scale.exp():", model.logit_scale.exp().item())

# nn.Linear stores [out, in]; as a matrix applied like `x @ proj` it is the transpose
result["visual_proj_shape"] = list(c_proj.weight.T.shape)
result["visual_proj_name"] = "visual.attnpool.c_proj.weight"
result["text_projection_shape"] = list(model.text_projection.shape)
result["logit_scale"] = model.logit_scale.item()
result["logit_scale_exp"] = model.logit_scale.exp().item()
