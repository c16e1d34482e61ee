"""The console's questions and commands: each one or more calls to the services' public APIs,
made with the signed-in person's own token, so every service checks who acts and logs who
read what. The console keeps nothing of any case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from services.console.application.ports import (
    EXPIRED,
    OPENED,
    Answer,
    Call,
    Passwords,
    Provider,
    ProviderRefused,
    Services,
    ServiceUnavailable,
    SignInStart,
    Tokens,
)
from services.console.domain.actions import ACTIONS, CASE_STEPS, Action, Pick
from services.console.domain.forms import (
    Field,
    FormError,
    Refusal,
    body_of,
    body_schema,
    chosen_from,
    fields_of,
    refusal_of,
)
from services.console.domain.packet_preview import Shown, packet_preview
from services.console.domain.worklist import WorklistFilter, worklist_rows

CASE_PARTS = ("intake", "assessment", "notification", "referral")
REFER = "refer"
# What the packet's preview shows from the record: the tier, the signs.
PREVIEW_PARTS = ("intake", "assessment")


def reused_key(answer: Answer) -> bool:
    """The service's answer to a key it already holds for another request."""
    detail = answer.body.get("detail") if isinstance(answer.body, dict) else None
    return answer.status == 422 and isinstance(detail, list) and any(
        isinstance(d, dict) and d.get("type") == "idempotency_key_reused" for d in detail)


class NoSuchAction(LookupError):
    pass


class TooManyAttempts(Exception):
    """Passwords for one user name tried too often of late: guessing is slowed down."""


# Per user name, per console process: a guesser gets a few tries a minute.
SIGN_IN_ATTEMPTS = parse("10/minute")


@dataclass
class CaseView:
    case_id: UUID
    parts: dict[str, Answer]
    timeline: Answer

    def part(self, service: str) -> Any:
        answer = self.parts.get(service)
        return answer.body if answer is not None and answer.ok else None


@dataclass
class ActionForm:
    action: Action
    fields: tuple[Field, ...]
    picks: dict[str, list[tuple[str, str]]]
    refusal: Refusal = field(default_factory=Refusal)
    values: Mapping[str, Sequence[str]] = field(default_factory=dict)
    key_spent: bool = False  # the service holds another step under the form's key


@dataclass
class Outcome:
    answer: Answer | None
    form: ActionForm

    @property
    def done(self) -> bool:
        return self.answer is not None and self.answer.ok


class Console:
    def __init__(self, services: Services, passwords: Passwords | None, tokens: Tokens,
                 zone: ZoneInfo, provider: Provider | None = None) -> None:
        self.services = services
        self.passwords = passwords
        self.provider = provider
        self.attempts = MovingWindowRateLimiter(MemoryStorage())
        self.tokens = tokens
        self.zone = zone

    def sign_in(self, name: str, password: str) -> str:
        if self.passwords is None:
            raise LookupError("this school signs in with its own provider")
        if not self.attempts.hit(SIGN_IN_ATTEMPTS, "sign-in", name):
            raise TooManyAttempts(name)
        return self.passwords.sign_in(name, password)

    async def begin_provider_sign_in(self, redirect_uri: str) -> SignInStart:
        if self.provider is None:
            raise LookupError("no OpenID Connect provider is set")
        return await self.provider.begin(redirect_uri)

    async def finish_provider_sign_in(self, code: str, verifier: str,
                                      redirect_uri: str) -> str:
        """The provider's token, once it verifies as the services will verify it (raises
        Unauthenticated otherwise): the console holds no token the services would refuse."""
        if self.provider is None:
            raise ProviderRefused("no OpenID Connect provider is set")
        token = await self.provider.finish(code, verifier, redirect_uri)
        self.tokens.principal(token)
        return token

    async def worklist(self, token: str, chosen: WorklistFilter) -> tuple[list[dict[str, Any]],
                                                                            list[Answer]]:
        """The reader's worklist (supervision) with each case's student named (intake);
        the answers that refused are returned to be shown."""
        work, names = await asyncio.gather(
            self.services.call(Call("supervision", "GET", "/worklist",
                                    params=chosen.params()), token),
            self.services.call(Call("intake", "GET", "/cases",
                                    params={"state": "all", "limit": "500"}), token))
        refused = [answer for answer in (work, names) if not answer.ok]
        if not work.ok:
            return [], refused
        return worklist_rows(work.body, names.body if names.ok else [], chosen), refused

    async def case(self, token: str, case_id: UUID) -> CaseView:
        """The case as each service holds it, and its timeline: each read logged by the
        service that answers it."""
        view, timeline = await asyncio.gather(
            self.case_parts(token, case_id, CASE_PARTS),
            self.services.call(Call("supervision", "GET", f"/cases/{case_id}/timeline"), token))
        view.timeline = timeline
        return view

    async def case_parts(self, token: str, case_id: UUID,
                         services: Sequence[str]) -> CaseView:
        """Only these services' parts: a step's form reads no more of the record than it
        draws from (every read of a case is an event on it)."""
        answers = await asyncio.gather(
            *(self.services.call(Call(service, "GET", f"/cases/{case_id}"), token)
              for service in services))
        return CaseView(case_id, dict(zip(services, answers, strict=True)),
                        Answer(204, None))

    async def step_case(self, token: str, name: str, case_id: UUID) -> CaseView:
        """The parts of the case a step of its workflow chooses its ids from."""
        action = CASE_STEPS.get(name)
        if action is None:
            raise NoSuchAction(name)
        return await self.case_parts(token, case_id, action.reads)

    async def form(self, token: str, name: str, case: CaseView | None) -> ActionForm:
        action = ACTIONS.get(name)
        if action is None:
            raise NoSuchAction(name)
        openapi = await self.services.openapi(action.service)
        schema = body_schema(openapi, action.method, action.path)
        fields = fields_of(openapi, schema) if schema else ()
        picks = {pick.param: pick.choices(case.part(pick.service) if case else None)
                 for pick in action.picks}
        for choice in action.choices:
            fields = chosen_from(fields, choice.param,
                                 choice.choices(await self._source(token, choice, case)))
        school = self.tokens.principal(token).school
        if action.staff and self.passwords is not None and school is not None:
            # Only this console's own directory knows the ids people are recorded by.
            people = self.passwords.staff(school)
            for name in action.staff:
                fields = chosen_from(fields, name, people)
        return ActionForm(action, fields, picks)

    async def _source(self, token: str, pick: Pick, case: CaseView | None) -> Any:
        if pick.path is None:
            return case.part(pick.service) if case else None
        answer = await self._read(token, pick.service, pick.path)
        return answer.body if answer.ok else None

    async def act(self, token: str, name: str, case: CaseView | None,
                  values: Mapping[str, Sequence[str]], idempotency_key: str,
                  path_params: Mapping[str, UUID] | None = None) -> Outcome:
        """The step sent as the form has it, with the form's idempotency key: sent twice
        (a double click, a retry after a lost answer), it is done once. `path_params` are
        ids of the page's own record (a screening's) in the route's path."""
        form = await self.form(token, name, case)
        form.values = values
        path = form.action.path
        if case is not None:
            path = path.replace("{case_id}", str(case.case_id))
        for param, value in (path_params or {}).items():
            path = path.replace(f"{{{param}}}", str(value))
        for pick in form.action.picks:
            chosen = next(iter(values.get(pick.param, ())), "")
            if chosen not in {value for value, _ in form.picks[pick.param]}:
                form.refusal = Refusal(by_field={pick.param: ["choose one"]})
                return Outcome(None, form)
            path = path.replace(f"{{{pick.param}}}", chosen)
        try:
            body = body_of(form.fields, values, self.zone)
        except FormError as error:
            form.refusal = Refusal(by_field={error.field: [error.rule]})
            return Outcome(None, form)
        answer = await self.services.call(
            Call(form.action.service, form.action.method, path, json=body,
                 idempotency_key=idempotency_key), token)
        if reused_key(answer):
            # The first send was recorded though its answer was lost on the way: the step
            # is done; a changed form is another step, with a key of its own.
            form.refusal = Refusal(general=["already recorded"])
            form.key_spent = True
        elif answer.status == 422 and isinstance(answer.body, dict):
            form.refusal = refusal_of(answer.body.get("detail"), form.fields)
        elif not answer.ok:
            form.refusal = Refusal(general=[answer.message])
        return Outcome(answer, form)

    async def packet_preview(self, token: str, case: CaseView,
                             values: Mapping[str, Sequence[str]]) -> list[Shown]:
        """What the receiver chosen in the referral's form would be sent, before it is."""
        form = await self.form(token, REFER, case)
        try:
            body = body_of(form.fields, values, self.zone)
        except FormError:
            body = {}
        receivers, record = await asyncio.gather(
            self._read(token, "referral", "/receivers"),
            self.case_parts(token, case.case_id, PREVIEW_PARTS))
        chosen = next((r for r in (receivers.body if receivers.ok else [])
                       if r.get("id") == body.get("receiver_id")), None)
        return packet_preview(chosen, body, record.part("assessment"), record.part("intake"))

    async def _read(self, token: str, service: str, path: str,
                   params: Mapping[str, str] | None = None) -> Answer:
        return await self.services.call(Call(service, "GET", path, params=params or {}), token)

    async def trail(self, token: str, case_id: UUID, as_of: datetime | None) -> Answer:
        """The case as CASES had it at `as_of` (now if None), each store beside it."""
        params = {"as_of": as_of.isoformat()} if as_of is not None else {}
        return await self._read(token, "supervision", f"/cases/{case_id}/trail", params)

    async def audit_events(self, token: str, case_id: UUID) -> Answer:
        """Who read the case and who was told, as FHIR AuditEvents."""
        return await self._read(token, "supervision", f"/cases/{case_id}/audit-events")

    async def incident_report(self, token: str, case_id: UUID, fmt: str, lang: str) -> Answer:
        return await self._read(token, "supervision", f"/cases/{case_id}/report",
                               {"format": fmt, "lang": lang})

    async def figures(self, token: str, params: Mapping[str, str]) -> Answer:
        """The supervisors' figures (JSON, or a file when `params` name a format)."""
        return await self._read(token, "supervision", "/figures", params)

    async def screening_template(self, token: str, screening_id: UUID, fmt: str,
                                 lang: str) -> Answer:
        return await self._read(token, "intake", f"/screenings/{screening_id}/template.{fmt}",
                               {"lang": lang})

    async def screening_answers(self, token: str, screening_id: UUID,
                                file: tuple[str, bytes, str], *,
                                idempotency_key: str | None) -> Answer:
        """A screening's file of answers imported, or, without a key, only previewed:
        checked by the import's rules and nothing recorded."""
        path = f"/screenings/{screening_id}/imports" + ("" if idempotency_key else "/preview")
        return await self.services.call(Call("intake", "POST", path, files={"file": file},
                                             idempotency_key=idempotency_key), token)

    def changes(self, token: str) -> AsyncIterator[str]:
        return self.services.changes(token)


__all__ = ["EXPIRED", "OPENED", "Answer", "Call", "Console", "Passwords", "Provider",
           "ProviderRefused", "ServiceUnavailable", "Services", "SignInStart", "Tokens"]
