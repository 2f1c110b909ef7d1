"""The annotation form and the annotation list shown beside the reader."""

from annotator.gui.form.annotation_list import AnnotationList
from annotator.gui.form.panel import AnnotationForm

__all__ = ["AnnotationForm", "AnnotationList"]
