"""A CJK font for matplotlib, installed by pip (``noto-cjk-sans-otc``, SIL Open Font License 1.1).

:func:`use_cjk_font` registers Noto Sans CJK SC with matplotlib's font manager the first time it
is called and appends it to ``font.family`` as a fallback: Latin text keeps matplotlib's default
font, Chinese characters come from Noto. Figures with Chinese text call it before drawing.
"""

from __future__ import annotations

import functools

CJK_FAMILY = "Noto Sans CJK SC"
"""The simplified-Chinese face of the Noto Sans CJK collection (the collection holds JP, KR, SC,
TC and HK faces; SC gives mainland glyph forms)."""


@functools.cache
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib (once per process) and add it as fallback family.

    Returns:
        The family name registered.

    Raises:
        RuntimeError: The font package is missing (it is a main dependency of startup-sim).
    """
    import matplotlib
    from matplotlib import font_manager

    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError as exc:  # pragma: no cover - a broken install
        raise RuntimeError("the CJK font package noto-cjk-sans-otc is not installed; pip install -e .") from exc
    font_manager.fontManager.addfont(str(FONT_PATH))
    family = list(matplotlib.rcParams["font.family"])
    if CJK_FAMILY not in family:
        matplotlib.rcParams["font.family"] = [*family, CJK_FAMILY]
    return CJK_FAMILY


__all__ = ["CJK_FAMILY", "use_cjk_font"]
