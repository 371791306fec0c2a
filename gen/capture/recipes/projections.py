#: The two projections into the shared space, and the learned temperature.
#: weight-dependent: logit_scale, logit_scale_exp, stdout
print("visual.proj", tuple(model.visual.proj.shape))
print(model.visual.proj)
print("\ntext_projection", tuple(model.text_projection.shape))
print(model.text_projection)
print("\nlogit_scale:", model.logit_scale)
print("logit_scale.exp():", model.logit_scale.exp().item())

result["visual_proj_shape"] = list(model.visual.proj.shape)
result["visual_proj_name"] = "visual.proj"
result["text_projection_shape"] = list(model.text_projection.shape)
result["logit_scale"] = model.logit_scale.item()
result["logit_scale_exp"] = model.logit_scale.exp().item()
