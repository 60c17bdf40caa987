"""The intake form (one modal: text, a menu and radio groups) and the coordinators' review card."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord.utils import format_dt

from bot.app import MentorBot
from bot.domain.text import clip
from bot.services.cycles.intake import CAPACITY_MAX, HOURS, Application, IntakeForm, ReviewQueue, status_text
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingModal, actor, card, reply

ROLE_LABELS = {"mentor": "Mentor", "mentee": "Mentee", "peer": "Peer"}


def _services(interaction: discord.Interaction) -> Any:
    bot: MentorBot = interaction.client  # type: ignore[assignment]
    return bot.services


class ApplicationForm(ReportingModal):
    """Apply to a cycle in one form: hopes, interests, stage, time zone, and time or mentee places."""

    def __init__(self, form: IntakeForm, role: str) -> None:
        super().__init__(title=clip(f"Apply · {form.cycle_name}", 45))
        self.form, self.role = form, role
        self.hopes = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=1000,
            placeholder="What you hope to get from this cycle, and what you can bring",
        )
        self.interests = discord.ui.TextInput(
            required=False,
            default=", ".join(form.interests),
            placeholder="grant writing, teaching, leadership",
            max_length=300,
        )
        self.stage = discord.ui.Select(
            options=[
                discord.SelectOption(label=clip(s, 100), value=clip(s, 100), default=s == form.career_stage)
                for s in form.stages[:25]
            ],
            required=False,
            placeholder="Your career stage",
        )
        self.zone = discord.ui.TextInput(default=form.timezone, placeholder="Europe/Paris", max_length=64)
        self.add_item(discord.ui.Label(text="What you want from it", component=self.hopes))
        self.add_item(
            discord.ui.Label(
                text="Interests", description="Comma-separated, for matching", component=self.interests
            )
        )
        self.add_item(discord.ui.Label(text="Career stage", component=self.stage))
        self.add_item(
            discord.ui.Label(text="Time zone", description="A Region/City name", component=self.zone)
        )
        if role == "mentor":
            self.amount = discord.ui.RadioGroup(
                options=[
                    discord.RadioGroupOption(
                        label=f"{n} mentee{'s' if n > 1 else ''}",
                        value=str(n),
                        description=f"about {2 * n} hours a month",
                        default=n == 1,
                    )
                    for n in range(1, CAPACITY_MAX + 1)
                ]
            )
            self.add_item(discord.ui.Label(text="Mentees you can take", component=self.amount))
        else:
            self.amount = discord.ui.RadioGroup(
                options=[
                    discord.RadioGroupOption(label=label, value=str(hours), default=hours == 1)
                    for hours, label in HOURS.items()
                ]
            )
            self.add_item(discord.ui.Label(text="Time you have", component=self.amount))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Store the application and tell the applicant what happens next."""
        assert interaction.guild_id is not None
        amount = int(self.amount.value) if self.amount.value else None
        application = await _services(interaction).intake.apply(
            interaction.guild_id,
            interaction.user.id,
            self.form.cycle_id,
            role=self.role,
            hopes=self.hopes.value,
            interests=self.interests.value,
            career_stage=self.stage.values[0] if self.stage.values else None,
            timezone=self.zone.value,
            hours_per_month=amount if self.role != "mentor" else None,
            capacity=amount if self.role == "mentor" else None,
        )
        embed = card(
            f"Application sent · {verbatim(application.cycle_name)}",
            f"{status_text(application)} You'll hear from me by DM.",
            color=SUCCESS_COLOR,
        )
        embed.set_footer(
            text="Only you and the coordinators see your application. /program application shows it."
        )
        await reply(interaction, embed)


def application_embed(application: Application, title: str) -> discord.Embed:
    """Render an application with its answers (for its applicant or a coordinator)."""
    embed = card(title, f"<@{application.user_id}> · **{ROLE_LABELS[application.role]}**")
    embed.add_field(
        name="What they want from it", value=clip(verbatim(application.hopes), 1024), inline=False
    )
    embed.add_field(name="Interests", value=clip(verbatim(", ".join(application.interests)), 1024) or "—")
    embed.add_field(name="Career stage", value=verbatim(application.career_stage) or "—")
    embed.add_field(name="Time zone", value=application.timezone)
    if application.capacity is not None:
        embed.add_field(name="Mentees they can take", value=str(application.capacity))
    if application.hours_per_month is not None:
        embed.add_field(name="Time", value=HOURS.get(application.hours_per_month, "—"))
    status = application.status
    if application.waitlist_position is not None:
        status += f" (number {application.waitlist_position} in line)"
    embed.add_field(name="Status", value=status)
    embed.set_footer(text=f"Applied {application.created_at:%d %b %Y}")
    embed.description = (embed.description or "") + f"\nApplied {format_dt(application.created_at, 'R')}."
    return embed


def review_card(queue: ReviewQueue) -> tuple[discord.Embed, discord.ui.View | None]:
    """Render the review queue: counts, mentor places, and the next application with its buttons."""
    counts = queue.counts
    summary = " · ".join(
        f"{counts.get(status, 0)} {status}"
        for status in ("pending", "accepted", "waitlisted", "declined", "matched")
    )
    places = f"Mentor places: {queue.mentees_accepted} of {queue.mentor_places} taken."
    if queue.next is None:
        return card(
            f"Applications · {verbatim(queue.cycle_name)}",
            f"{summary}\n{places}\n\nNothing waits for a decision.",
        ), None
    title = "Waitlisted" if queue.next.status == "waitlisted" else "Next application"
    embed = application_embed(queue.next, f"{title} · {verbatim(queue.cycle_name)}")
    embed.description = f"{summary}\n{places}\n\n{embed.description}"
    view = discord.ui.View(timeout=None)
    for decision, label, style in (
        ("accept", "Accept", discord.ButtonStyle.success),
        ("waitlist", "Waitlist", discord.ButtonStyle.secondary),
        ("decline", "Decline", discord.ButtonStyle.danger),
    ):
        if decision == "waitlist" and queue.next.status == "waitlisted":
            continue
        view.add_item(ReviewButton(queue.next.id, decision, label, style))
    view.stop()  # clicks go to the persistent ReviewButton
    return embed, view


class DeclineForm(ReportingModal, title="Decline the application"):
    """The reason for a decline, which only the applicant will see."""

    def __init__(self, application_id: int) -> None:
        super().__init__()
        self.application_id = application_id
        self.reason = discord.ui.TextInput(style=discord.TextStyle.paragraph, max_length=500)
        self.add_item(
            discord.ui.Label(text="Reason", description="Only the applicant sees it", component=self.reason)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Decline, then show the next application."""
        await _decide(interaction, self.application_id, "decline", self.reason.value)


class ReviewButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"cycle:review:(?P<decision>accept|waitlist|decline):(?P<id>\d+)",
):
    """Accept, waitlist or decline an application from the review card; works after a restart."""

    def __init__(
        self,
        application_id: int,
        decision: str,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or decision.title(),
                style=style,
                custom_id=f"cycle:review:{decision}:{application_id}",
            )
        )
        self.application_id, self.decision = application_id, decision

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ReviewButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]), match["decision"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Decide (a decline asks for the reason first)."""
        assert interaction.guild_id is not None
        if self.decision == "decline":
            await _services(interaction).program.require_coordinator(
                interaction.guild_id, actor(interaction), "review applications"
            )
            await interaction.response.send_modal(DeclineForm(self.application_id))
            return
        await _decide(interaction, self.application_id, self.decision)


async def _decide(
    interaction: discord.Interaction, application_id: int, decision: str, reason: str | None = None
) -> None:
    assert interaction.guild_id is not None
    services = _services(interaction)
    decided = await services.intake.review(
        interaction.guild_id, actor(interaction), application_id, decision, reason
    )
    queue = await services.intake.queue(interaction.guild_id, actor(interaction))
    embed, view = review_card(queue)
    done = f"<@{decided.user_id}> is **{decided.status}**"
    if decided.waitlist_position is not None:
        done += f" (number {decided.waitlist_position} in line)"
    embed.description = f"✓ {done}; they're told by DM.\n\n{embed.description}"
    await interaction.response.edit_message(embed=embed, view=view)
