"""NonMaxSuppression: greedy per-(batch, class) box selection by score with IoU suppression."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def corners(boxes: np.ndarray, center_point_box: int) -> np.ndarray:
    """(num_boxes, 4) as [y_min, x_min, y_max, x_max]."""
    b = boxes.astype(np.float64)
    if center_point_box:
        xc, yc, w, h = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
        return np.stack([yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2], axis=1)
    return np.stack([np.minimum(b[:, 0], b[:, 2]), np.minimum(b[:, 1], b[:, 3]),
                     np.maximum(b[:, 0], b[:, 2]), np.maximum(b[:, 1], b[:, 3])], axis=1)


def suppressed(c: np.ndarray, i: int, chosen: list[int], iou_threshold: float) -> bool:
    """Whether box i overlaps any already chosen box by IoU > threshold."""
    if not chosen:
        return False
    o = c[chosen]
    ih = np.minimum(c[i, 2], o[:, 2]) - np.maximum(c[i, 0], o[:, 0])
    iw = np.minimum(c[i, 3], o[:, 3]) - np.maximum(c[i, 1], o[:, 1])
    inter = np.where((ih > 0) & (iw > 0), ih * iw, 0.0)
    area_i = (c[i, 2] - c[i, 0]) * (c[i, 3] - c[i, 1])
    area_o = (o[:, 2] - o[:, 0]) * (o[:, 3] - o[:, 1])
    union = area_i + area_o - inter
    ok = (inter > 0) & (area_i > 0) & (area_o > 0) & (union > 0)
    iou = np.where(ok, inter / np.where(union > 0, union, 1.0), 0.0)
    return bool(np.any(ok & (iou > iou_threshold)))


@register("NonMaxSuppression", since=10)
class NonMaxSuppression(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"center_point_box": 0}

    def reference(self, boxes: np.ndarray, scores: np.ndarray, max_output_boxes_per_class: np.ndarray | None = None,
                  iou_threshold: np.ndarray | None = None, score_threshold: np.ndarray | None = None) -> np.ndarray:
        def scalar(v, default):
            return default if v is None or np.asarray(v).size == 0 else np.asarray(v).reshape(-1)[0]

        max_out = max(int(scalar(max_output_boxes_per_class, 0)), 0)
        iou_t = float(scalar(iou_threshold, 0.0))
        has_score_t = score_threshold is not None and np.asarray(score_threshold).size > 0
        score_t = scalar(score_threshold, 0.0)
        selected: list[tuple[int, int, int]] = []
        for b in range(boxes.shape[0]):
            c = corners(boxes[b], int(self.a.center_point_box))
            for k in range(scores.shape[1]):
                s = scores[b, k]
                cand = np.arange(s.shape[0])
                if has_score_t:
                    cand = cand[s[cand] > score_t]
                order = cand[np.argsort(-s[cand].astype(np.float64), kind="stable")]
                chosen: list[int] = []
                for i in order:
                    if len(chosen) >= max_out:
                        break
                    if not suppressed(c, int(i), chosen, iou_t):
                        chosen.append(int(i))
                        selected.append((b, k, int(i)))
        return np.array(selected, dtype=np.int64).reshape(-1, 3)
