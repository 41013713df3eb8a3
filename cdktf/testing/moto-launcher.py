#!/usr/bin/env python3
"""moto's server with its CodeDeploy gaps patched, for the emulator end-to-end test only.

moto 5.2.1's CodeDeploy returns timestamps as ISO strings (Terraform and the AWS SDK v3 expect
epoch numbers and fail to decode), has no Delete/Update/Stop/Continue calls (HTTP 500), drops the
alarm configuration of a deployment group (a perpetual Terraform diff), and leaves deployments in
`Created` forever. This launcher patches those in-process and then serves moto on an ephemeral
port, printing `moto ready on http://HOST:PORT` once it accepts connections.

Deployments are emulated as CodeDeploy runs an ECS blue/green deployment, on a compressed clock
(one step = MOTO_CODEDEPLOY_STEP_SECONDS, default 1):
  Created -> InProgress (green task set starting)
          -> Ready (green behind the test listener, when the group waits with STOP_DEPLOYMENT;
             ContinueDeployment resumes)
          -> InProgress (shifting production traffic) -> Succeeded, and the ECS service's task
             definition becomes the one from the AppSpec, as ECS reports it after a real release.
Failure paths, each with CodeDeploy's error code and a rollback note when auto-rollback covers it:
  - the AppSpec's task definition does not exist, or lacks the AppSpec's container/port: Failed
  - its image is listed in MOTO_CODEDEPLOY_UNHEALTHY_IMAGES (comma-separated), standing in for
    green tasks that never pass health checks: Failed
  - an alarm of the deployment group is in ALARM while traffic shifts: Stopped
  - StopDeployment: Stopped

Smaller gaps this stack hits, patched to match AWS so a second `terraform plan` is clean:
  - ECS services drop healthCheckGracePeriodSeconds, enableECSManagedTags, enableExecuteCommand
    and availabilityZoneRebalancing
  - ECS DescribeTaskDefinition by family returns the newest revision even when it is INACTIVE
  - EC2 drops the description of security group rules that reference another group
  - Application Auto Scaling has no ListTagsForResource/TagResource/UntagResource
"""

import argparse
import json
import os
import signal
import sys
import time
import uuid

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from werkzeug.serving import make_server  # noqa: E402

from moto.cloudwatch.models import cloudwatch_backends  # noqa: E402
from moto.codedeploy import models as cd  # noqa: E402
from moto.codedeploy.exceptions import CodeDeployException  # noqa: E402
from moto.codedeploy.responses import CodeDeployResponse  # noqa: E402
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse  # noqa: E402
from moto.ec2.models.security_groups import SecurityGroupRule  # noqa: E402
from moto.ecs.models import EC2ContainerServiceBackend, ecs_backends  # noqa: E402
from moto.ecs.responses import EC2ContainerServiceResponse  # noqa: E402
from moto.route53 import models as route53_models  # noqa: E402
from moto.acm.models import CertBundle  # noqa: E402
from moto.acm.responses import AWSCertificateManagerResponse  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)

STEP = float(os.environ.get("MOTO_CODEDEPLOY_STEP_SECONDS", "1"))
UNHEALTHY_IMAGES = {
    image.strip()
    for image in os.environ.get("MOTO_CODEDEPLOY_UNHEALTHY_IMAGES", "").split(",")
    if image.strip()
}
ACTIVE = ("Created", "Queued", "InProgress", "Ready", "Baking")


class CodeDeployError(CodeDeployException):
    code = 400

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)


# --- timestamps: epoch seconds, as the AWS JSON protocol encodes them -------------------------
cd.iso_8601_datetime_with_milliseconds = lambda *args, **kwargs: time.time()


# --- deployment groups: return what was stored; add update and delete ------------------------
_group_to_dict = cd.DeploymentGroup.to_dict


def group_to_dict(self):
    out = _group_to_dict(self)
    out["alarmConfiguration"] = self.alarm_configuration or {
        "enabled": False,
        "ignorePollAlarmFailure": False,
        "alarms": [],
    }
    out["outdatedInstancesStrategy"] = self.outdated_instances_strategy or "UPDATE"
    out["terminationHookEnabled"] = bool(self.termination_hook_enabled)
    return out


cd.DeploymentGroup.to_dict = group_to_dict

GROUP_FIELDS = {
    "deploymentConfigName": "deployment_config_name",
    "ec2TagFilters": "ec2_tag_filters",
    "onPremisesInstanceTagFilters": "on_premises_instance_tag_filters",
    "autoScalingGroups": "auto_scaling_groups",
    "serviceRoleArn": "service_role_arn",
    "triggerConfigurations": "trigger_configurations",
    "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration",
    "outdatedInstancesStrategy": "outdated_instances_strategy",
    "deploymentStyle": "deployment_style",
    "blueGreenDeploymentConfiguration": "blue_green_deployment_configuration",
    "loadBalancerInfo": "load_balancer_info",
    "ec2TagSet": "ec2_tag_set",
    "ecsServices": "ecs_services",
    "onPremisesTagSet": "on_premises_tag_set",
    "terminationHookEnabled": "termination_hook_enabled",
}


def update_deployment_group(self):
    app = self._get_param("applicationName")
    name = self._get_param("currentDeploymentGroupName")
    group = self.codedeploy_backend.get_deployment_group(app, name)
    for param, attr in GROUP_FIELDS.items():
        value = self._get_param(param)
        if value is not None:
            setattr(group, attr, value)
    new_name = self._get_param("newDeploymentGroupName")
    if new_name and new_name != name:
        groups = self.codedeploy_backend.deployment_groups[app]
        groups[new_name] = groups.pop(name)
        group.deployment_group_name = new_name
    return json.dumps({"hooksNotCleanedUp": []})


def delete_deployment_group(self):
    app = self._get_param("applicationName")
    name = self._get_param("deploymentGroupName")
    self.codedeploy_backend.get_deployment_group(app, name)
    del self.codedeploy_backend.deployment_groups[app][name]
    return json.dumps({"hooksNotCleanedUp": []})


def delete_application(self):
    app = self._get_param("applicationName")
    backend = self.codedeploy_backend
    backend.get_application(app)
    backend.deployment_groups.pop(app, None)
    del backend.applications[app]
    return "{}"


def update_application(self):
    app = self._get_param("applicationName")
    new_name = self._get_param("newApplicationName")
    backend = self.codedeploy_backend
    application = backend.get_application(app)
    if new_name and new_name != app:
        backend.applications[new_name] = backend.applications.pop(app)
        application.application_name = new_name
        if app in backend.deployment_groups:
            backend.deployment_groups[new_name] = backend.deployment_groups.pop(app)
    return "{}"


# --- deployments: a state machine on a compressed clock ---------------------------------------
_deployment_init = cd.DeploymentInfo.__init__
_deployment_to_dict = cd.DeploymentInfo.to_dict


def deployment_init(self, *args, **kwargs):
    _deployment_init(self, *args, **kwargs)
    self.phase = "created"
    self.phase_started = time.time()
    self.error_information = {}
    self.rollback_info = {}
    self.outcome_checked = False
    self.green_error = None


def deployment_to_dict(self):
    out = _deployment_to_dict(self)
    out["errorInformation"] = self.error_information
    out["rollbackInfo"] = self.rollback_info
    return {key: value for key, value in out.items() if value is not None}


cd.DeploymentInfo.__init__ = deployment_init
cd.DeploymentInfo.to_dict = deployment_to_dict


def appspec_target(deployment):
    revision = deployment.revision or {}
    content = (revision.get("appSpecContent") or {}).get("content") or "{}"
    try:
        spec = json.loads(content)
        props = spec["Resources"][0]["TargetService"]["Properties"]
        lb = props.get("LoadBalancerInfo", {})
        return props.get("TaskDefinition"), lb.get("ContainerName"), lb.get("ContainerPort")
    except (ValueError, KeyError, IndexError, TypeError):
        return None, None, None


def ecs_backend(deployment):
    backend = deployment.backend_ref
    return ecs_backends[backend.account_id][backend.region_name]


def check_green(deployment):
    """Returns an error (code, message) when green tasks could never serve."""
    arn, container, port = appspec_target(deployment)
    if arn is None:
        return ("INVALID_REVISION", "The AppSpec file has no TargetService TaskDefinition.")
    try:
        task_definition = ecs_backend(deployment).describe_task_definition(arn)
    except Exception:
        return ("ECS_UPDATE_ERROR", f"The task definition {arn} does not exist.")
    match = [c for c in task_definition.container_definitions if c.get("name") == container]
    if not match:
        return ("ECS_UPDATE_ERROR", f"The task definition has no container named {container}.")
    ports = [pm.get("containerPort") for pm in match[0].get("portMappings", [])]
    if port not in ports:
        return ("ECS_UPDATE_ERROR", f"Container {container} does not expose port {port}.")
    if match[0].get("image") in UNHEALTHY_IMAGES:
        return (
            "ECS_UPDATE_ERROR",
            "The ECS service cannot reach a steady state: green tasks failed ELB health checks.",
        )
    return None


def alarms_in_alarm(deployment):
    group = deployment.deployment_group
    config = group.alarm_configuration or {}
    if not config.get("enabled"):
        return []
    backend = deployment.backend_ref
    alarms = cloudwatch_backends[backend.account_id][backend.region_name].alarms
    names = [alarm.get("name") for alarm in config.get("alarms", [])]
    return [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]


def rollback_enabled_for(deployment, event):
    config = deployment.auto_rollback_configuration or deployment.deployment_group.auto_rollback_configuration or {}
    return bool(config.get("enabled")) and event in config.get("events", [])


def finish(deployment, status, code=None, message=None, event=None):
    deployment.status = status
    deployment.phase = "done"
    deployment.complete_time = time.time()
    if code is not None:
        deployment.error_information = {"code": code, "message": message}
        if event is not None and rollback_enabled_for(deployment, event):
            deployment.rollback_info = {
                "rollbackMessage": f"Automatic rollback triggered by {event}: production traffic stays on the original task set."
            }
    if status == "Succeeded":
        arn, _, _ = appspec_target(deployment)
        for ref in deployment.deployment_group.ecs_services:
            key = f"{ref.get('clusterName')}:{ref.get('serviceName')}"
            service = ecs_backend(deployment).services.get(key)
            if service is not None:
                service.task_definition = arn


def waits_for_continue(deployment):
    config = deployment.deployment_group.blue_green_deployment_configuration or {}
    ready = config.get("deploymentReadyOption") or {}
    return ready.get("actionOnTimeout") == "STOP_DEPLOYMENT"


def advance(deployment):
    now = time.time()
    elapsed = now - deployment.phase_started

    def enter(phase, status):
        deployment.phase = phase
        deployment.phase_started = now
        deployment.status = status

    if deployment.phase == "created" and elapsed >= STEP:
        deployment.start_time = now
        enter("provisioning", "InProgress")
        return advance(deployment)
    if deployment.phase == "provisioning":
        if not deployment.outcome_checked:
            deployment.outcome_checked = True
            deployment.green_error = check_green(deployment)
        if elapsed >= STEP:
            if deployment.green_error is not None:
                code, message = deployment.green_error
                return finish(deployment, "Failed", code, message, "DEPLOYMENT_FAILURE")
            if waits_for_continue(deployment):
                return enter("ready", "Ready")
            enter("shifting", "InProgress")
            return advance(deployment)
        return None
    if deployment.phase == "shifting":
        firing = alarms_in_alarm(deployment)
        if firing:
            return finish(
                deployment,
                "Stopped",
                "ALARM_ACTIVE",
                f"One or more alarms have been activated: {', '.join(firing)}",
                "DEPLOYMENT_STOP_ON_ALARM",
            )
        if elapsed >= 2 * STEP:
            return finish(deployment, "Succeeded")
    return None


def backend_of(response):
    backend = response.codedeploy_backend
    for deployment in backend.deployments.values():
        deployment.backend_ref = backend
    return backend


def advance_all(response):
    backend = backend_of(response)
    for deployment in backend.deployments.values():
        if deployment.status in ACTIVE:
            advance(deployment)
    return backend


def wrap_reader(name):
    original = getattr(CodeDeployResponse, name)

    def reader(self):
        advance_all(self)
        return original(self)

    setattr(CodeDeployResponse, name, reader)


for reader_name in ("get_deployment", "batch_get_deployments", "list_deployments"):
    wrap_reader(reader_name)

_create_deployment = CodeDeployResponse.create_deployment


def create_deployment(self):
    backend = advance_all(self)
    app = self._get_param("applicationName")
    group = self._get_param("deploymentGroupName")
    for deployment in backend.deployments.values():
        if (
            deployment.application_name == app
            and deployment.deployment_group_name == group
            and deployment.status in ACTIVE
        ):
            raise CodeDeployError(
                "DeploymentLimitExceededException",
                f"The deployment group {group} already has an active deployment {deployment.deployment_id}.",
            )
    return _create_deployment(self)


def stop_deployment(self):
    backend = advance_all(self)
    deployment = backend.get_deployment(self._get_param("deploymentId"))
    if deployment.status not in ACTIVE:
        raise CodeDeployError(
            "DeploymentAlreadyCompletedException",
            f"Deployment {deployment.deployment_id} has already completed.",
        )
    rollback = self._get_param("autoRollbackEnabled")
    finish(deployment, "Stopped", "MANUAL_STOP", "The deployment was stopped by a user.")
    if rollback is not False:
        deployment.rollback_info = {
            "rollbackMessage": "Stopped with rollback: production traffic stays on the original task set."
        }
    return json.dumps({"status": "Succeeded", "statusMessage": "Deployment stopped"})


def continue_deployment(self):
    backend = advance_all(self)
    deployment = backend.get_deployment(self._get_param("deploymentId"))
    if deployment.status != "Ready":
        raise CodeDeployError(
            "DeploymentIsNotInReadyStateException",
            f"Deployment {deployment.deployment_id} is {deployment.status}, not Ready.",
        )
    deployment.phase = "shifting"
    deployment.phase_started = time.time()
    deployment.status = "InProgress"
    return "{}"


CodeDeployResponse.create_deployment = create_deployment
CodeDeployResponse.stop_deployment = stop_deployment
CodeDeployResponse.continue_deployment = continue_deployment
CodeDeployResponse.update_deployment_group = update_deployment_group
CodeDeployResponse.delete_deployment_group = delete_deployment_group
CodeDeployResponse.delete_application = delete_application
CodeDeployResponse.update_application = update_application


# --- other gaps this stack hits ---------------------------------------------------------------
# Route53 zone ids start with Z in AWS (HOSTED_ZONE_ID is checked for that); moto's do not.
_create_route53_zone_id = route53_models.create_route53_zone_id
route53_models.create_route53_zone_id = lambda *args, **kwargs: "Z" + _create_route53_zone_id(*args, **kwargs)[1:]

# ACM ignores RequestCertificate's KeyAlgorithm and describes every certificate as RSA_2048
# (a perpetual replacement in Terraform's plan).
ACM_KEY_ALGORITHMS = {}
_request_certificate = AWSCertificateManagerResponse.request_certificate


def request_certificate(self):
    body = _request_certificate(self)
    arn = json.loads(body if isinstance(body, str) else body[0]).get("CertificateArn")
    if arn and self._get_param("KeyAlgorithm"):
        ACM_KEY_ALGORITHMS[arn] = self._get_param("KeyAlgorithm")
    return body


_describe_certificate = CertBundle.describe


def describe_certificate(self):
    result = _describe_certificate(self)
    if self.arn in ACM_KEY_ALGORITHMS:
        result["Certificate"]["KeyAlgorithm"] = ACM_KEY_ALGORITHMS[self.arn]
    return result


AWSCertificateManagerResponse.request_certificate = request_certificate
CertBundle.describe = describe_certificate

# ECS drops healthCheckGracePeriodSeconds and enableECSManagedTags (a perpetual Terraform diff).
ECS_SERVICE_EXTRAS = {
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "enableECSManagedTags": "enable_ecs_managed_tags",
    "enableExecuteCommand": "enable_execute_command",
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
}


def wrap_ecs_service_call(name):
    original = getattr(EC2ContainerServiceResponse, name)

    def call(self):
        result = original(self)
        service = result.result.get("service") if hasattr(result, "result") else None
        if service is not None:
            for param, attr in ECS_SERVICE_EXTRAS.items():
                value = self._get_param(param)
                if value is not None:
                    setattr(service, attr, value)
        return result

    setattr(EC2ContainerServiceResponse, name, call)


for ecs_call in ("create_service", "update_service"):
    wrap_ecs_service_call(ecs_call)

# ECS: a task definition named by family alone is the newest ACTIVE revision, not the newest one.
_describe_task_definition = EC2ContainerServiceBackend.describe_task_definition


def describe_task_definition(self, task_definition_str):
    name = task_definition_str.split("/")[-1]
    if ":" not in name:
        active = [
            revision
            for revision, definition in self.task_definitions.get(name, {}).items()
            if definition.status == "ACTIVE"
        ]
        if active:
            return self.task_definitions[name][max(active)]
    return _describe_task_definition(self, task_definition_str)


EC2ContainerServiceBackend.describe_task_definition = describe_task_definition

# EC2 drops the description of security group rules that reference another group.
SecurityGroupRule.description = property(
    lambda self: self.ip_range.get("Description") or (self.source_group or {}).get("Description")
)

# Application Auto Scaling has no tagging calls (HTTP 500 on ListTagsForResource).
AUTOSCALING_TAGS = {}
_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target


def register_scalable_target(self):
    body = _register_scalable_target(self)
    arn = json.loads(body).get("ScalableTargetARN")
    if arn and self._get_param("Tags"):
        AUTOSCALING_TAGS.setdefault(arn, {}).update(self._get_param("Tags"))
    return body


def autoscaling_list_tags(self):
    return json.dumps({"Tags": AUTOSCALING_TAGS.get(self._get_param("ResourceARN"), {})})


def autoscaling_tag(self):
    AUTOSCALING_TAGS.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
    return "{}"


def autoscaling_untag(self):
    tags = AUTOSCALING_TAGS.get(self._get_param("ResourceARN"), {})
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return "{}"


ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
ApplicationAutoScalingResponse.list_tags_for_resource = autoscaling_list_tags
ApplicationAutoScalingResponse.tag_resource = autoscaling_tag
ApplicationAutoScalingResponse.untag_resource = autoscaling_untag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"moto ready on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
