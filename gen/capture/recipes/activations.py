#: CLIP's QuickGELU against the exact GELU, evaluated on a grid.
#: records: quick_source, x, quick, exact, max_gap, at
import inspect

source = inspect.getsource(clip.model.QuickGELU.forward).strip()
print(source)
quick_source = source.splitlines()[-1].strip()  # the line that computes it
x = torch.linspace(-4, 4, 401)
quick = clip.model.QuickGELU()(x)
exact = torch.nn.functional.gelu(x)        # x * Phi(x), Phi the standard normal CDF
gap = (quick - exact).abs()
max_gap, at = gap.max(), x[gap.argmax()]
print(f"largest |QuickGELU(x) - GELU(x)| on [{x[0].item():g}, {x[-1].item():g}]: "
      f"{max_gap.item():.6f} at x = {at.item():.2f}")
