# The text encoder's parameter count is one figure wherever a page shows it, and it is the sum of its parts.
from __future__ import annotations

import re

PARTS = ("token_embedding", "positional_embedding", "transformer", "ln_final", "text_projection")


def test_vision_vs_text_gives_a_resnet_the_whole_text_encoder_as_the_other_pages_do(tiny_resnet_files,
                                                                                    tiny_resnet_snapshot):
    s, files = tiny_resnet_snapshot, tiny_resnet_files
    # independent of the parameter_count recipe: the ledger's tensors whose name starts with a text part
    summed = sum(p.count for p in s.parameters if p.name.split(".")[0] in PARTS)
    assert summed == s.recipe("parameter_count").result["counts"]["text_encoder"]["total"]
    shown = f"{summed:,}"
    page = files["models/tiny-rn/vision-vs-text/index.md"].decode("utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| parameters |"))
    assert re.search(rf"\| {re.escape(shown)} \(the whole text encoder, as \[counted on the parameters page\]"
                     rf"\(\.\./parameters/index\.md#total-text_encoder\)\), [\d,]+ of them in `model.transformer` \|", row), row
    assert f"| {shown} |" in files["models/tiny-rn/parameters/index.md"].decode("utf-8")
    assert shown in files["models/tiny-rn/text/index.md"].decode("utf-8")
