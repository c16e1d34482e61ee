"""The school's paths through casetrail, driven over HTTP against a running system.

One function per path of issue 4; `casetrail demo` prints them, the end-to-end tests run the
same functions and check the trail each leaves on the bus.
"""

from casetrail.cli.scenarios.family import crisis_with_primary_unreachable, serious_with_plan
from casetrail.cli.scenarios.hospital import HospitalPath, hospital_path
from casetrail.cli.scenarios.school import incident, screening_batch, stage_transfer

__all__ = ["HospitalPath", "crisis_with_primary_unreachable", "hospital_path", "incident",
           "screening_batch", "serious_with_plan", "stage_transfer"]
