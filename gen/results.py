"""The declared shape of every recipe's result: what templates may read, checked when the recipe runs.

One TypedDict per recipe (the ResNet variant of a recipe records the same fields, or marks extra ones
NotRequired). `check` raises CaptureError naming the recipe and the field that is missing or of the wrong type.
"""
import types
import typing
from typing import Any, NotRequired, TypedDict

from gen.errors import CaptureError

Shape = list  # [int, ...]


class Group(TypedDict):
    label: str
    total: int
    trainable: int


class ParameterCount(TypedDict):
    counts: dict        # key -> Group: model, visual, text_blocks, text_encoder, logit_scale


class Embeddings(TypedDict):
    token_shape: Shape
    positional_shape: Shape


class Projections(TypedDict):
    visual_proj_shape: Shape        # [in, out], as applied
    visual_proj_name: str
    text_projection_shape: Shape
    logit_scale: float
    logit_scale_exp: float


class ForwardImage(TypedDict):
    steps: list
    matches_encode: bool


class ForwardText(TypedDict):
    steps: list
    eot: list
    matches_encode: bool


class Logits(TypedDict):
    logit_scale: float
    scale: float
    cosine: list                    # [image][prompt]: the sample batch's images against captions + distractors
    logits_per_image: list          # [image][prompt]
    logits_per_image_shape: Shape
    logits_per_text_shape: Shape
    probs: list                     # [image][prompt], softmax over the prompts
    diagonal: float                 # mean cosine of each image with its own caption
    off_diagonal: float | None      # mean cosine with the other images' captions; None for one pair
    top: list                       # per image: index of the prompt with the highest probability


class VisionVsText(TypedDict):
    vision: dict
    text: dict


class Pca(TypedDict):
    labels: list
    kinds: list
    points: list
    explained: list
    image_cosines: list             # [i][j]: cosine of sample images i and j, N x N


class Activations(TypedDict):
    quick_source: str
    x: list
    quick: list
    exact: list
    max_gap: float
    at: float


class Tokenizer(TypedDict):
    vocab_size: int
    model_vocab_size: int
    bytes: int
    merges: int
    context_length: int
    sot: int
    eot: int
    sot_piece: str
    eot_piece: str
    pad_piece: str
    prompts: list
    example: str
    example_ids: list
    example_pieces: list
    example_decoded: str
    long_prompt: str
    long_tokens: int
    long_error: str
    truncated_ids: list
    truncated_text: str


class CausalMask(TypedDict):
    size: int
    shared: bool
    blocks: int
    matches_build: bool
    allowed: int
    entries: int
    lower_triangular: bool
    corner: list
    image_blocks: int
    image_masked: int
    has_pool: bool
    pool_masks: bool
    longer: str
    first_change: int
    gap_before: float
    gap_at: float
    gap: list


class Preprocessing(TypedDict):
    original: list
    mode: str
    steps: list
    box: list
    crop_matches: bool
    mean: list
    std: list
    matches: bool
    stats: dict
    resized_size: list
    resized_rgb: str


class ImageGrid(TypedDict):
    kind: str                       # "patches" (ViT) | "feature map" (ResNet)
    grid: int
    stride: int
    input: list
    output: list
    patch: NotRequired[int]         # ViT
    patch_values: NotRequired[int]
    tokens: NotRequired[int]
    matches: NotRequired[bool]
    channels: NotRequired[int]      # ResNet
    field: NotRequired[int]
    jump: NotRequired[int]


class AttentionImage(TypedDict):
    block: str
    query: str
    heads: int
    grid: int
    shape: Shape
    matches_block: bool
    maps: list
    mean_map: list
    query_self: list
    row_sums: list
    max_row_error: float


class AttentionText(TypedDict):
    block: str
    heads: int
    shape: Shape
    matches_block: bool
    max_row_error: float
    prompts: list


class DepthImage(TypedDict):
    tower: str
    blocks: list
    zero_bn3: NotRequired[list]     # ResNet


class DepthText(TypedDict):
    tower: str
    tokens: int
    blocks: list


class ResidualStream(TypedDict):
    blocks: list                    # {block, shape_in, shape_out, norm_in, norm_out[, change, cosine]} per block


class FreezeVisual(TypedDict):
    frozen: list
    trainable: int
    total: int


class UnfreezeLast(TypedDict):
    unfrozen: list
    trainable_visual: int
    first: int
    blocks: int
    stage: str


class ProjectionMistake(TypedDict):
    wrong_shape: Shape
    needed_shape: Shape
    name: str
    error: str | None


class ReplaceProjection(TypedDict):
    shape: Shape
    count: int
    name: str


class AlignmentCheck(TypedDict):
    image_width: int
    text_width: int
    error: str | None
    image_norms: list
    text_norms: list


class TrainingSetup(TypedDict):
    trainable: list                 # parameter names, named_parameters() order
    frozen: list
    first: int                      # first unfrozen block of `stage`
    blocks: int
    stage: str                      # "visual.transformer.resblocks" | "visual.layer4"
    text_first: int                 # first unfrozen block of `text_stage`
    text_blocks: int
    text_stage: str                 # "transformer.resblocks"
    replaced: list                  # the image projection and text_projection, replaced
    width: int                      # their new output width


class TrainingStep(TypedDict):
    logits: list                    # [image][caption], N x N: what the loss saw
    loss: float                     # (loss_image + loss_text) / 2
    loss_image: float
    loss_text: float


class TrainingGradients(TypedDict):
    tensors: list                   # per parameter: name, shape, requires_grad, grad_norm (None: no gradient)
    blocks: list                    # per block, in depth order per tower: block, tower, tensors, trainable, grad_norm


class TrainingOptimizer(TypedDict):
    decay: list                     # names in the weight-decay group
    no_decay: list                  # gains, biases, logit_scale
    changes: list                   # per parameter: name, group, changed, relative (||after - before|| / ||before||)
    logit_scale_before: float
    logit_scale_after: float        # after optimizer.step()
    logit_scale_clamped: float      # after clamp_(0, ln 100)
    cap: float                      # ln 100, computed
    forward_clamps: bool            # whether CLIP.forward's source clamps the scale
    lr: float
    weight_decay: float


class TrainingBatchnorm(TypedDict):
    norms: int                      # batch norm layers in the model
    buffers: int
    moved_train: list               # batch norms whose running statistics moved in train()
    moved_eval: list                # ... with the frozen ones kept in eval()
    max_change: float


class TrainingPrecision(TypedDict):
    half: list                      # parameters convert_weights made float16
    full: list                      # parameters left float32
    half_values: int
    full_values: int
    probe: str                      # the tensor a 1e-5 update was added to
    unchanged_fraction: float       # share of its entries the update did not change


class TrainingResolution(TypedDict):
    grid: int                       # ViT: patch grid side; ResNet: attention pool grid side
    new_grid: int
    resolution: int
    new_resolution: int
    steps: list
    cosine: float                   # embedding at the new size (interpolated) against the native one
    patch: NotRequired[int]         # ViT only
    error: NotRequired[str | None]  # ResNet only: what the attention pool raised before the interpolation


class Nothing(TypedDict):
    """A recipe shown for its printout alone."""


SHAPES: dict[str, type] = {
    "print_model": Nothing, "print_visual": Nothing, "print_text": Nothing,
    "parameter_count": ParameterCount, "embeddings": Embeddings, "projections": Projections,
    "forward_image": ForwardImage, "forward_text": ForwardText, "logits": Logits, "vision_vs_text": VisionVsText,
    "pca": Pca, "activations": Activations, "tokenizer": Tokenizer, "causal_mask": CausalMask,
    "preprocessing": Preprocessing, "image_grid": ImageGrid, "attention_image": AttentionImage,
    "attention_text": AttentionText, "depth_image": DepthImage, "depth_text": DepthText, "residual_stream": ResidualStream,
    "freeze_visual": FreezeVisual, "unfreeze_last": UnfreezeLast, "projection_mistake": ProjectionMistake,
    "replace_projection": ReplaceProjection, "alignment_check": AlignmentCheck,
    "training_setup": TrainingSetup, "training_step": TrainingStep,
    "training_gradients": TrainingGradients, "training_optimizer": TrainingOptimizer,
    "training_batchnorm": TrainingBatchnorm, "training_precision": TrainingPrecision,
    "training_resolution": TrainingResolution,
}


def _accepts(hint: Any, value: Any) -> bool:
    hint = typing.get_origin(hint) or hint
    if hint in (typing.Union, types.UnionType):
        return True  # checked member by member below
    if hint is float:
        return isinstance(value, (float, int)) and not isinstance(value, bool) or value is None  # non-finite -> None
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _matches(hint: Any, value: Any) -> bool:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_matches(arm, value) for arm in typing.get_args(hint))
    if hint is type(None):
        return value is None
    return _accepts(hint, value)


def check(recipe: str, model: str, result: dict) -> None:
    """Fail, naming the recipe and field, when a result does not have its declared shape."""
    shape = SHAPES.get(recipe)
    if shape is None:
        raise CaptureError(f"recipe {recipe!r} has no declared result shape; add a TypedDict for it to gen/results.py")
    hints = typing.get_type_hints(shape)
    for name, hint in hints.items():
        if name not in result:
            if name in shape.__required_keys__:
                raise CaptureError(f"recipe {recipe!r} on {model} did not record {name!r} (declared in gen/results.py)")
            continue
        if not _matches(hint, result[name]):
            raise CaptureError(f"recipe {recipe!r} on {model} recorded {name!r} as {type(result[name]).__name__}; "
                               f"gen/results.py declares {hint}")
    extra = sorted(set(result) - set(hints))
    if extra:
        raise CaptureError(f"recipe {recipe!r} on {model} recorded undeclared field(s) {extra}; declare them in "
                           f"gen/results.py so templates can rely on them")
