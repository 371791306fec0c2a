#: The text side's lookup tables: token embedding and positional embedding.
#: weight-dependent: stdout
#: records: token_shape, positional_shape
weight = model.token_embedding.weight
token_shape = weight.shape
print("token_embedding.weight, vocab_size x width:", token_shape)
print("first 5 rows:")
print(weight[:5])

positions = model.positional_embedding
positional_shape = positions.shape
print("\npositional_embedding, context_length x width:", positional_shape)
print("first 5 rows:")
print(positions[:5])
