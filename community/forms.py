from django import forms

from community.models import Comment, Tag, Thread
from roadmap.models import Topic


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, topic):
        return f"{topic.roadmap.title} · {topic.title}"


class ThreadForm(forms.Form):
    title = forms.CharField(
        min_length=Thread.TITLE_MIN,
        max_length=Thread.TITLE_MAX,
        help_text="A specific question or statement, e.g. “Why does my Django view run 200 queries?”",
        error_messages={
            "min_length": "Make the title a little longer: at least %(limit_value)d characters (it has %(show_value)d).",
            "max_length": "Keep the title to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    body = forms.CharField(
        strip=False,
        min_length=Thread.BODY_MIN,
        max_length=Thread.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Markdown. Say what you tried and what happened. Mention someone with @username.",
        error_messages={
            "min_length": "Say a bit more: at least %(limit_value)d characters (it has %(show_value)d).",
            "max_length": "That is too long: at most %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    topic = TopicChoiceField(
        queryset=Topic.objects.published()
        .select_related("roadmap")
        .order_by("roadmap__position", "position"),
        required=False,
        empty_label="No roadmap topic",
        help_text="Anchor the thread to the roadmap topic it is about, so learners there find it.",
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Up to {Thread.MAX_TAGS}.",
    )

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something in the body.")
        return body

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > Thread.MAX_TAGS:
            raise forms.ValidationError(f"Choose at most {Thread.MAX_TAGS} tags (you chose {len(tags)}).")
        return tags


class CommentForm(forms.Form):
    body = forms.CharField(
        strip=False,
        max_length=Comment.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Write a reply (markdown)"}),
        label="Your reply",
        error_messages={
            "required": "Write something before you post.",
            "max_length": "That is too long: at most %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before you post.")
        return body


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=[("like", "like"), ("helpful", "helpful"), ("insightful", "insightful")])


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False, max_length=Thread.BODY_MAX)
