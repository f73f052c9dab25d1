"""factory_boy factories for every model, shared by all tests."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

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
        if create:
            self.groups.add(Group.objects.get(name=MENTORS_GROUP))


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True
