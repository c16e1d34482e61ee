"""How principals stand to cases: until each service keeps the relations from the trail,
every case is the deployment's school's (`CASETRAIL_SCHOOL_ID`), and nobody is assigned."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from casetrail.identity.access import Relation
from casetrail.identity.principal import Principal


@dataclass(frozen=True)
class DeploymentSchool:
    school: str | None

    def relations(self, case_id: UUID, principal: Principal) -> frozenset[Relation]:
        same = principal.school is not None and principal.school == self.school
        return frozenset({Relation.SCHOOL} if same else ())
