"""factory_boy factories for every model, shared by all tests."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission

from accounts.models import MENTORS_GROUP, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the user a primary email address, verified unless verified=False."""
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )
            self.save()


class MentorFactory(UserFactory):
    @factory.post_generation
    def mentor(self, create, extracted, **kwargs):
        """Join the Mentors group (recreated here when a transactional test flushed it)."""
        if create:
            group, created = Group.objects.get_or_create(name=MENTORS_GROUP)
            if created:
                group.permissions.set(
                    Permission.objects.filter(
                        content_type__app_label="accounts",
                        codename__in=["moderate_community"],
                    )
                )
            self.groups.add(group)


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class RoadmapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.Roadmap"
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"roadmap-{n}")
    title = factory.Sequence(lambda n: f"Roadmap {n}")
    summary = "A path through the essentials."
    description = "Learn **step by step**."


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.Section"

    roadmap = factory.SubFactory(RoadmapFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    position = factory.Sequence(int)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.Topic"

    section = factory.SubFactory(SectionFactory)
    roadmap = factory.SelfAttribute("section.roadmap")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    title = factory.Sequence(lambda n: f"Topic {n}")
    body = "What it is and **why** a backend developer needs it."
    position = factory.Sequence(int)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.Resource"

    topic = factory.SubFactory(TopicFactory)
    title = factory.Sequence(lambda n: f"Resource {n}")
    url = factory.Sequence(lambda n: f"https://docs.example.com/{n}")
    kind = "docs"


class ProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.Progress"

    user = factory.SubFactory(UserFactory)
    topic = factory.SubFactory(TopicFactory)
    status = "done"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.Project"

    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"Project {n}")
    goal = "Build a small service that puts the section's topics to work."
    requirements = factory.LazyFunction(
        lambda: ["It answers `GET /health` with 200.", "It has tests.", "Its README says how to run it."]
    )
    stretch = "Deploy it somewhere public."
    hand_in = "A repository with the code, the tests and a README."


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.QuizQuestion"

    topic = factory.SubFactory(TopicFactory)
    text = factory.Sequence(lambda n: f"Which answer is right for question {n}?")
    position = factory.Sequence(int)


class QuizOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roadmap.QuizOption"

    question = factory.SubFactory(QuizQuestionFactory)
    text = factory.Sequence(lambda n: f"Option {n}")
    explanation = factory.Sequence(lambda n: f"Explanation {n}: why this option is right or wrong.")
    position = factory.Sequence(int)


def add_quiz(topic, *, questions: int = 3, multiple: int = 0) -> list:
    """A quiz on `topic`: each question with one right option and two wrong ones, except the
    first `multiple` questions, which have two right options. Returns the questions."""
    made = []
    for index in range(questions):
        question = QuizQuestionFactory(
            topic=topic, text=f"Question {index + 1} about {topic.title}?", position=index
        )
        right = 2 if index < multiple else 1
        for option in range(3):
            QuizOptionFactory(
                question=question,
                text=f"Answer {option + 1} to question {index + 1}",
                is_correct=option < right,
                explanation=f"Why answer {option + 1} to question {index + 1} is {'right' if option < right else 'wrong'}.",
                position=option,
            )
        made.append(question)
    return made


def build_roadmap(*, topics: int, sections: int = 5, slug: str = "backend", with_resources: bool = True):
    """A published roadmap of `topics` topics spread over `sections` sections, each topic after the previous one."""
    roadmap = RoadmapFactory(slug=slug, title=slug.title())
    section_list = [SectionFactory(roadmap=roadmap, position=index) for index in range(sections)]
    previous = None
    created = []
    for index in range(topics):
        topic = TopicFactory(
            section=section_list[index * sections // topics], slug=f"{slug}-topic-{index}", position=index
        )
        if with_resources:
            ResourceFactory(topic=topic)
            ResourceFactory(topic=topic, kind="article")
        if previous is not None:
            topic.prerequisites.add(previous)
        previous = topic
        created.append(topic)
    return roadmap, created


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.Tag"
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.Sequence(lambda n: f"Tag {n}")


class ThreadFactory(factory.django.DjangoModelFactory):
    """A published thread. Use community.services.create_thread when the rules matter."""

    class Meta:
        model = "community.Thread"
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"How do I get started with thing number {n}?")
    body = "I have read the docs but I still wonder how this works in practice."
    body_html = factory.LazyAttribute(lambda thread: f"<p>{thread.body}</p>")

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.Comment"

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(UserFactory)
    body = "Here is what worked for me."
    body_html = factory.LazyAttribute(lambda comment: f"<p>{comment.body}</p>")


class NotificationFactory(factory.django.DjangoModelFactory):
    """A reply notification by default: someone commented in a thread the recipient is in."""

    class Meta:
        model = "community.Notification"

    recipient = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory)
    verb = "reply"
    thread = factory.SubFactory(ThreadFactory)
    comment = factory.SubFactory(
        CommentFactory, thread=factory.SelfAttribute("..thread"), author=factory.SelfAttribute("..actor")
    )
    event_key = factory.Sequence(lambda n: f"comment:{n}")


class FollowFactory(factory.django.DjangoModelFactory):
    """Pass exactly one of thread, tag or topic."""

    class Meta:
        model = "community.Follow"

    user = factory.SubFactory(UserFactory)


class DigestDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.DigestDelivery"

    user = factory.SubFactory(UserFactory)
    period_key = factory.Sequence(lambda n: f"daily:2020-01-{n % 28 + 1:02d}")
    status = "sent"


class ReviewRequestFactory(factory.django.DjangoModelFactory):
    """An open review request on a topic its learner marked done."""

    class Meta:
        model = "community.ReviewRequest"
        skip_postgeneration_save = True

    learner = factory.SubFactory(UserFactory)
    topic = factory.SubFactory(TopicFactory)
    links = factory.LazyFunction(lambda: ["https://github.com/example/work"])
    explanation = "I built a small API and wrote down what I learned."

    @factory.post_generation
    def done(review, create, extracted, **kwargs):
        if create and extracted is not False:
            ProgressFactory(user=review.learner, topic=review.topic, status="done")
