#: The text side's lookup tables: token embedding and positional embedding.
#: weight-dependent: stdout
weight = model.token_embedding.weight
print("token_embedding.weight, vocab_size x width:", weight.shape)
print("first 5 rows:")
print(weight[:5])

positions = model.positional_embedding
print("\npositional_embedding, context_length x width:", positions.shape)
print("first 5 rows:")
print(positions[:5])

result["token_shape"] = list(weight.shape)
result["positional_shape"] = list(positions.shape)
