#: CLIP's QuickGELU against the exact GELU, evaluated on a grid.
import inspect

print(inspect.getsource(clip.model.QuickGELU.forward).strip())
x = torch.linspace(-4, 4, 401)
quick = clip.model.QuickGELU()(x)
exact = torch.nn.functional.gelu(x)        # x * Phi(x), Phi the standard normal CDF
gap = (quick - exact).abs()
where = gap.argmax()
print(f"largest |QuickGELU(x) - GELU(x)| on [{x[0].item():g}, {x[-1].item():g}]: "
      f"{gap.max().item():.6f} at x = {x[where].item():.2f}")
result["quick_source"] = inspect.getsource(clip.model.QuickGELU.forward).strip().splitlines()[-1].strip()
result["x"] = x.tolist()
result["quick"] = quick.tolist()
result["exact"] = exact.tolist()
result["max_gap"] = gap.max().item()
result["at"] = x[where].item()
